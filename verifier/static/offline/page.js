// What the verifier page uses of the offline modules: the service worker, the cached data, and
// the in-browser check of a scanned text (qr.js, verify.js) with the age of the data it used.
import { decodeQrText, OfflineError } from "./qr.js";
import { prepare, verifyToken } from "./verify.js";
import { currentData, loadDictionary } from "./store.js";

let prepared = null;  // {document, data}: the last document made ready to judge with

async function dataFor(record) {
  if (!prepared || prepared.document !== record.document) {
    prepared = { document: record.document, data: await prepare(record.document) };
  }
  return prepared.data;
}

/** A new download replaces the cached data only if its trust list verifies (or it has none):
 *  a list altered on the way never displaces a good one. */
async function trustListHolds(document) {
  return !(await prepare(document)).trustListError;
}

/** The verdict on `text` (QR text or a token), checked on this device. With `refresh` the data
 *  is fetched first (an unknown key then means Not genuine, as on the server). Text that holds no
 *  credential is `{error: code}`, the code POST /verify answers with; null when this device has
 *  no data at all. */
export async function checkOnDevice(text, { refresh = false } = {}) {
  const now = Date.now();
  const { record, fresh } = await currentData(now, { force: refresh, accept: trustListHolds });
  if (!record) return null;
  const data = await dataFor(record);
  const dictionary = await loadDictionary();
  let token;
  try {
    token = decodeQrText(text, dictionary ? { 1: dictionary } : {}, record.document.limits);
  } catch (err) {
    if (!(err instanceof OfflineError)) throw err;
    return { error: err.code, detail: err.detail };  // as POST /verify's 422 for such text
  }
  const result = await verifyToken(token, data, { now, fresh });
  return { ...result.verdict, checks: result.checks,
           offline: { ...dataAge(record, now), ...statusAge(result.verdict.offline) } };
}

function dataAge(record, now) {
  const synced = Date.parse(record.document.bundle.created_at);
  return { syncedAt: new Date(synced).toISOString(), ageMs: Math.max(0, now - synced) };
}

function statusAge(facts) {
  return facts && facts.asOf ? { asOf: facts.asOf, ageMs: facts.ageMs } : {};
}

/** Register the service worker and bring the cached data up to date; never throws. */
export async function startOffline() {
  try {
    if ("serviceWorker" in navigator) {
      await navigator.serviceWorker.register("v/sw.js", { scope: "/v" });
    }
    await currentData(Date.now(), { accept: trustListHolds });
  } catch { /* the page works online without either */ }
  document.body.dataset.offlineReady = "true";
}

/** "2 hours": the age of the data, in the page's language table. */
export function describeAge(ms, t) {
  const units = [["day", 86_400_000], ["hour", 3_600_000], ["minute", 60_000]];
  for (const [unit, size] of units) {
    if (ms >= size) {
      const count = Math.floor(ms / size);
      return t(`age.${unit}${count === 1 ? "" : "s"}`, { count });
    }
  }
  return t("age.now");
}

window.pramaanOffline = { check: checkOnDevice };
