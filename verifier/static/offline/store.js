// The data the page verifies with when there is no network: GET /v/offline-data and the QR
// dictionary, kept in the Cache API. Refreshed when online once the shortest status-list ttl
// (refreshSeconds) has passed; the copy in use is replaced only by one that parses.
const CACHE = "pramaan-offline-data-v1";
const DATA_URL = "v/offline-data";
const DICTIONARY_URL = "v/offline/qr-dictionary-v1.txt";
const SAVED_KEY = "v/offline-data.saved";

async function cache() {
  return caches.open(CACHE);
}

/** The cached document and when this device saved it (ms), or null. */
export async function loadData() {
  const saved = await (await cache()).match(SAVED_KEY);
  return saved ? saved.json() : null;
}

export async function loadDictionary() {
  const response = await (await cache()).match(DICTIONARY_URL);
  return response ? new Uint8Array(await response.arrayBuffer()) : null;
}

/** Fetch the data (and the dictionary once) from the verifier; returns the saved record, or
 *  null when the network or the verifier cannot be reached. */
export async function fetchData(now, accept = async () => true) {
  let document;
  let dictionary = null;
  try {
    const response = await fetch(DATA_URL, { credentials: "omit", cache: "no-store" });
    if (!response.ok) return null;
    document = await response.json();
    if (document.format !== "pramaan-offline/1" || !(await accept(document))) return null;
    if (!(await loadDictionary())) {
      const answer = await fetch(DICTIONARY_URL, { credentials: "omit" });
      if (answer.ok) dictionary = answer;
    }
  } catch {
    return null;
  }
  const record = { savedAt: now, document };
  const store = await cache();
  await store.put(SAVED_KEY, new Response(JSON.stringify(record),
    { headers: { "Content-Type": "application/json" } }));
  if (dictionary) await store.put(DICTIONARY_URL, dictionary);
  return record;
}

/** The record to verify with: refreshed first when online and due (or `force`). `fresh` says
 *  whether it was fetched by this call. */
export async function currentData(now, { force = false, accept } = {}) {
  const saved = await loadData();
  const due = !saved || now - saved.savedAt >= saved.document.refreshSeconds * 1000;
  if ((force || due) && navigator.onLine !== false) {
    const record = await fetchData(now, saved ? accept : undefined);
    if (record) return { record, fresh: true };
  }
  return { record: saved, fresh: false };
}

/** Sign-out and tests: forget everything this module stored. */
export async function clearData() {
  await caches.delete(CACHE);
}
