// Revocation and suspension from the cached lists: verifier/status.py as `verifier check
// --offline` runs it (verifier/bundle.py BundleLists): each list verified again as the issuer's
// vc+jwt, judged as of when it was fetched; a set bit is definitive; older than maxAgeSeconds and
// not revoked or suspended is status.stale.
import "./fflate.js";
import { checkWindow, fail, isObject, jsonOf, verifyJws } from "./jws.js";
import { checkDataModel, validityWindow } from "./credential.js";

const MAX_LIST_BYTES = 2 * 1024 * 1024;
const MIN_ENTRIES = 131_072;
const MAX_ENTRIES = 8 * 1024 * 1024;
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const EVALUATED = { revocation: "revoked", suspension: "suspended" };
const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);


/** The status check of the scratch `s` (its credential, trusted entry, data and time). */
export async function checkStatus(s) {
  let entries;
  try {
    entries = statusEntries(s.credential);
  } catch (err) {
    return { ok: false, code: err.code, detail: err.detail, state: "unknown" };
  }
  if (!entries.length) {
    return { ok: null, code: "status.none", detail: "the credential carries no status list entry", state: "none" };
  }
  const issuerId = isObject(s.credential.issuer) ? s.credential.issuer.id : s.credential.issuer;
  const found = new Set();
  const used = [];
  const errors = [];
  for (const [purpose, url, index] of entries) {
    try {
      const list = await statusList(s, url);
      if (list.issuer !== issuerId) throw fail("STATUS_VERIFICATION_ERROR", `the status list at ${url} is issued by ${list.issuer}`);
      if (await readListBit(list.credential, purpose, index)) found.add(EVALUATED[purpose]);
      used.push(list);
    } catch (err) {
      if (!err.code) throw err;
      errors.push(err);
    }
  }
  const asOf = used.length ? Math.min(...used.map((l) => l.issuedAt ?? l.fetchedAt)) : null;
  const fetchedAt = used.length ? Math.min(...used.map((l) => l.fetchedAt)) : null;
  const facts = { source: "device", asOf, fetchedAt, ageMs: asOf === null ? null : Math.max(0, s.now - asOf) };
  const state = found.has("revoked") ? "revoked" : found.size ? "suspended" : null;
  if (state) {
    return { ok: false, code: state === "revoked" ? "credential.revoked" : "credential.suspended",
             detail: `the council has ${state} this certificate`, state, ...facts };
  }
  if (errors.length) return { ok: false, code: errors[0].code, detail: errors[0].detail, state: "unknown", ...facts };
  if (facts.ageMs !== null && facts.ageMs > s.data.maxAgeMs) {
    return { ok: false, code: "status.stale", detail: "the status data is too old to rely on", state: "unknown", ...facts };
  }
  return { ok: true, code: "ok", detail: "neither revoked nor suspended", state: "active", ...facts };
}

function statusEntries(credential) {
  const value = credential.credentialStatus;
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  if (!items.every(isObject)) throw fail("MALFORMED_VALUE_ERROR", "credentialStatus must be an object or a list of objects");
  const read = items.filter((i) => i.type === "BitstringStatusListEntry").map((entry) => {
    const { statusPurpose: purpose, statusListCredential: url, statusListIndex: index } = entry;
    if (typeof purpose !== "string" || typeof url !== "string" || !url.startsWith("http")) {
      throw fail("MALFORMED_VALUE_ERROR", "a status entry needs statusPurpose and an http(s) statusListCredential");
    }
    if (typeof index !== "string" || !/^[0-9]+$/.test(index)) {
      throw fail("MALFORMED_VALUE_ERROR", "statusListIndex must be a base-10 integer string");
    }
    if ((entry.statusSize ?? 1) !== 1) throw fail("MALFORMED_VALUE_ERROR", "only 1-bit status entries are supported");
    return [purpose, url, Number(index)];
  });
  return read.filter(([purpose]) => purpose in EVALUATED);
}

/** The cached list at `url`, verified as the trusted issuer's vc+jwt and current when fetched. */
async function statusList(s, url) {
  const trusted = s.trusted;
  if (!coversStatusList(trusted, url)) {
    throw fail("STATUS_VERIFICATION_ERROR", `the status list ${url} is not where ${trusted.name} publishes`);
  }
  const item = s.data.lists[url];
  if (!item) throw fail("STATUS_RETRIEVAL_ERROR", `this device holds no status list from ${url}`);
  let list = s.data.verifiedLists.get(url);
  if (!list) {
    list = await verifyStatusList(url, item, trusted, s.data.algorithms);
    s.data.verifiedLists.set(url, list);
  }
  const [start, end] = validityWindow(list.credential);
  if (start !== null && list.fetchedAt < start - CLOCK_SKEW_MS) throw fail("STATUS_VERIFICATION_ERROR", `the status list at ${url} was not yet valid`);
  if (end !== null && list.fetchedAt > end) throw fail("STATUS_VERIFICATION_ERROR", `the status list at ${url} had expired`);
  return list;
}

async function verifyStatusList(url, item, trusted, algorithms) {
  let credential;
  try {
    const verified = await verifyJws(item.token, {
      algorithms, maxLength: MAX_LIST_BYTES,
      resolveKey: (header) => {
        const found = trusted.keys.get(header.kid);
        if (!found) throw fail("credential.unknown_key", `key ${header.kid} is not published`);
        return found;
      },
    });
    credential = jsonOf(verified.payload);
    if (!isObject(credential)) throw fail("credential.malformed", "not a JSON object");
    checkWindow(verified.key, credential.iat);
  } catch (err) {
    throw fail("STATUS_VERIFICATION_ERROR", `the status list at ${url} does not verify as ${trusted.name}'s: ${err.detail ?? err.message}`);
  }
  let issuedAt;
  try {
    checkDataModel(credential);
    [issuedAt] = validityWindow(credential);
  } catch (err) {
    throw fail("MALFORMED_VALUE_ERROR", `the status list at ${url} is not a valid VC 2.0 credential: ${err.detail}`);
  }
  const listIssuer = isObject(credential.issuer) ? credential.issuer.id : credential.issuer;
  if (!(listIssuer === trusted.issuer || listIssuer.startsWith(`${trusted.issuer}/`))) {
    throw fail("STATUS_VERIFICATION_ERROR", `the status list at ${url} is issued by ${listIssuer}`);
  }
  return { url, credential, issuer: listIssuer, fetchedAt: Date.parse(item.fetched_at), issuedAt };
}

function coversStatusList(trusted, url) {
  let parts;
  try { parts = new URL(url); } catch { return false; }
  const fetchable = parts.protocol === "https:" || (parts.protocol === "http:" && LOOPBACK.has(parts.hostname));
  const origin = trusted.status_origin ?? new URL(trusted.issuer).origin;
  return fetchable && parts.origin === origin && !parts.username && !parts.password;
}

async function readListBit(list, purpose, index) {
  if (!Array.isArray(list.type) || !list.type.includes("BitstringStatusListCredential")) {
    throw fail("STATUS_VERIFICATION_ERROR", "the status list is not a BitstringStatusListCredential");
  }
  const subject = list.credentialSubject;
  if (!isObject(subject)) throw fail("MALFORMED_VALUE_ERROR", "the status list credential has no credentialSubject");
  const purposes = typeof subject.statusPurpose === "string" ? [subject.statusPurpose] : subject.statusPurpose;
  if (!Array.isArray(purposes) || !purposes.includes(purpose)) {
    throw fail("STATUS_VERIFICATION_ERROR", `the status list is not a ${purpose} list`);
  }
  const bits = decodeList(subject.encodedList);
  if (bits.length * 8 < MIN_ENTRIES) throw fail("STATUS_LIST_LENGTH_ERROR", "the status list is shorter than 131,072 entries");
  if (index >= bits.length * 8) throw fail("RANGE_ERROR", `index ${index} is beyond the list`);
  return Boolean(bits[Math.floor(index / 8)] & (0x80 >> (index % 8)));
}

const decoded = new Map();

/** `u` + base64url(GZIP(bits)); at most 1 MiB of bits, read from the GZIP trailer first. */
function decodeList(encoded) {
  if (typeof encoded !== "string" || !encoded.startsWith("u")) {
    throw fail("MALFORMED_VALUE_ERROR", "encodedList must be a multibase base64url string");
  }
  if (decoded.has(encoded)) return decoded.get(encoded);
  let packed;
  try {
    const text = atob(encoded.slice(1).replace(/-/g, "+").replace(/_/g, "/")
      + "=".repeat((4 - ((encoded.length - 1) % 4)) % 4));
    packed = Uint8Array.from(text, (c) => c.charCodeAt(0));
  } catch {
    throw fail("MALFORMED_VALUE_ERROR", "encodedList is not base64url");
  }
  if (packed.length < 18) throw fail("MALFORMED_VALUE_ERROR", "encodedList is not GZIP data");
  const size = new DataView(packed.buffer).getUint32(packed.length - 4, true);
  if (size > MAX_ENTRIES / 8) throw fail("STATUS_LIST_LENGTH_ERROR", "the status list is too long");
  let bits;
  try {
    bits = self.fflate.gunzipSync(packed, { out: new Uint8Array(size) });
  } catch {
    throw fail("MALFORMED_VALUE_ERROR", "encodedList is not GZIP data");
  }
  decoded.clear();  // one list of each purpose is all a page needs at a time
  decoded.set(encoded, bits);
  return bits;
}
