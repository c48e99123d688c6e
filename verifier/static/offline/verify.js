// The in-browser check: the checks of verifier/checks.py (same names, order, dependencies and
// codes), the status check of verifier/status.py as `verifier check --offline` runs it from a
// bundle (verifier/bundle.py BundleLists), and the verdict of verifier/verdict.py. The data is
// the cached GET /v/offline-data (store.js): every status list and the trust list are verified
// again here; the JWKS are the pinned copy the verifier fetched.
//
// Where the server would fetch again (a kid or an issuer it does not know), the answer depends
// on `fresh`: with data fetched just now an unknown key is Not genuine, as on the server; with
// older data it is Cannot check (the issuer may have rotated since), never Valid.
import "./fflate.js";
import {
  checkHeader, checkNotCompromised, checkWindow, fail, isObject, jsonOf, parseJwks,
  readUnverifiedHeader, readUnverifiedPayload, verifyJws, CREDENTIAL_TYPES,
} from "./jws.js";

const CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2";
const TRUST_LIST_TYP = "trust-list+jwt";
const MAX_LIST_BYTES = 2 * 1024 * 1024;
const MIN_ENTRIES = 131_072;
const MAX_ENTRIES = 8 * 1024 * 1024;
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const EVALUATED = { revocation: "revoked", suspension: "suspended" };
const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

// ---- the offline data, verified once per load ------------------------------------------------

/** The offline document made ready to judge with: its trust list verified with the anchor's key
 *  (at the time it was synced, like verifier/bundle.py), its JWKS parsed. */
export async function prepare(document) {
  const bundle = document.bundle;
  const createdAt = Date.parse(bundle.created_at);
  const jwksByUri = new Map(bundle.issuers.map((i) => [i.jwks_uri, i.jwks]));
  let entries = bundle.issuers.map(entryOf);
  let trustList = null;
  let trustListError = null;
  if (bundle.trust_list && document.anchor) {
    try {
      trustList = await verifyTrustList(bundle.trust_list, document.anchor, document.algorithms, createdAt);
      entries = trustList.issuers.map(entryOf);
    } catch (err) {
      trustListError = err;
      entries = [];
    }
  }
  for (const entry of entries) entry.keys = parseJwks(jwksByUri.get(entry.jwks_uri));
  entries.sort((a, b) => b.issuer.length - a.issuer.length);
  return {
    document, createdAt, entries, trustList, trustListError,
    algorithms: document.algorithms, maxAgeMs: document.maxAgeSeconds * 1000,
    lists: bundle.status_lists, registry: document.registry, verifiedLists: new Map(),
  };
}

function entryOf(item) {
  return {
    issuer: item.issuer ?? item.id, name: item.name, name_hi: item.name_hi ?? null,
    jwks_uri: item.jwks_uri, status_origin: item.status_origin ?? null,
    certificate_types: item.certificate_types ?? null, standing: item.standing ?? "active",
    retired_from: item.retired_from ?? null,
  };
}

async function verifyTrustList(token, anchor, algorithms, at) {
  const keys = parseJwks(anchor);
  const verified = await verifyJws(token, {
    algorithms, types: [TRUST_LIST_TYP], cty: null, maxLength: 1024 * 1024,
    resolveKey: (header) => {
      const key = keys.get(String(header.kid));
      if (!key) throw fail("credential.unknown_key", "the trust list is not signed with the anchor's key");
      return key;
    },
  });
  const payload = jsonOf(verified.payload);
  if (!isObject(payload) || !Array.isArray(payload.issuers) || typeof payload.exp !== "number") {
    throw fail("trust_list.invalid", "the trust list is not in the trust-list format");
  }
  if (at >= payload.exp * 1000) throw fail("trust_list.invalid", "the trust list had expired when synced");
  return payload;
}

// ---- the checks --------------------------------------------------------------------------------

const STEPS = [
  ["format", format, []],
  ["algorithm", algorithm, ["format"]],
  ["media_type", mediaType, ["format"]],
  ["issuer", issuer, ["format"]],
  ["key", key, ["algorithm", "media_type", "issuer"]],
  ["signature", signature, ["key"]],
  ["data_model", dataModel, ["signature"]],
  ["validity", validity, ["data_model"]],
  ["schema", schema, ["data_model"]],
  ["status", status, ["data_model"]],
];

/** Verify a compact vc+jwt with the prepared offline data at `now` (ms since the epoch). */
export async function verifyToken(token, data, { now, fresh = false }) {
  const s = { token, data, now, fresh, header: {}, unverified: {}, trusted: null, key: null,
              credential: null, status: null };
  const results = new Map();
  const cause = new Map();
  for (const [name, step, needs] of STEPS) {
    const blocked = needs.filter((d) => results.get(d).ok !== true);
    if (blocked.length) {
      cause.set(name, cause.get(blocked[0]) ?? blocked[0]);
      results.set(name, { check: name, ok: null, code: "skipped", detail: `not checked, as ${cause.get(name)} failed` });
      continue;
    }
    let outcome;
    try {
      outcome = await step(s);
    } catch (err) {
      if (!err.code) throw err;  // a bug, not a verdict
      outcome = { ok: false, code: err.code, detail: err.detail ?? err.message };
    }
    results.set(name, { check: name, ...outcome });
  }
  const checks = [...results.values()];
  const verified = checks.every((c) => c.ok === true
    || (c.check === "status" && c.ok === null && c.code === "status.none"));
  const credential = results.get("signature").ok ? s.credential : null;
  const result = { verified, checks, credential, status: s.status };
  return { ...result, verdict: judge(result, data.registry, now, s.trusted) };
}

const passed = (detail) => ({ ok: true, code: "ok", detail });

function format(s) {
  s.header = readUnverifiedHeader(s.token);
  s.unverified = readUnverifiedPayload(s.token);
  return passed(`a compact JWS of ${s.token.length} characters with a JSON header and payload`);
}

function algorithm(s) {
  checkHeader({ alg: s.header.alg, typ: "vc+jwt" }, { algorithms: s.data.algorithms });
  return passed(`${s.header.alg} is on this verifier's allow-list`);
}

function mediaType(s) {
  checkHeader(s.header, { algorithms: [s.header.alg], types: CREDENTIAL_TYPES });
  return passed(`typ ${s.header.typ}`);
}

function issuer(s) {
  const value = s.unverified.issuer;
  const id = isObject(value) ? value.id : value;
  if (typeof id !== "string" || !id) throw fail("credential.malformed", "the credential names no issuer URL");
  if ("iss" in s.unverified && s.unverified.iss !== id) {
    throw fail("credential.malformed", "the JWT claim iss does not match the credential's issuer");
  }
  const { data } = s;
  if (data.trustListError) throw fail("trust_list.invalid", data.trustListError.detail ?? "the trust list does not verify");
  if (data.trustList && s.now >= data.trustList.exp * 1000) {
    throw fail("trust_list.stale", "the cached trust list has expired");
  }
  s.trusted = data.entries.find((e) => id === e.issuer || id.startsWith(`${e.issuer}/`)) ?? null;
  if (!s.trusted) {
    if (!s.fresh) throw fail("upstream.unavailable", `${id} is not in this device's cached list of issuers`);
    throw data.trustList
      ? fail("issuer.not_listed", `issuer ${id} is not on the trust list`)
      : fail("credential.untrusted_issuer", `issuer ${id} is not trusted by this verifier`);
  }
  checkMayIssue(s.trusted, s.unverified, data.registry);
  return passed(`${id} is trusted as ${s.trusted.name}`);
}

function checkMayIssue(entry, credential, registry) {
  if (entry.standing === "suspended") throw fail("issuer.suspended", `the trust list marks ${entry.name} suspended`);
  if (entry.certificate_types) {
    const type = certificateType(credential.type, registry);
    if (type && !entry.certificate_types.includes(type.id)) {
      throw fail("issuer.type_not_allowed", `the trust list does not allow ${entry.name} to issue ${type.title}`);
    }
  }
  if (entry.standing === "retired" && entry.retired_from) {
    const issued = credential.iat;
    if (typeof issued !== "number" || issued * 1000 >= Date.parse(entry.retired_from)) {
      throw fail("issuer.retired", `${entry.name} was retired from the trust list`);
    }
  }
}

function key(s) {
  const found = s.trusted.keys.get(s.header.kid);
  if (!found) {
    if (!s.fresh) throw fail("key.unconfirmed", `key ${s.header.kid} is not in this device's cached keys of ${s.trusted.name}`);
    throw fail("credential.unknown_key", `${s.trusted.name} has not published key ${s.header.kid}`);
  }
  checkNotCompromised(found);
  s.key = found;
  return passed(`${s.trusted.name} publishes key ${found.kid} (${found.alg})`);
}

async function signature(s) {
  await verifyJws(s.token, { resolveKey: () => s.key, algorithms: s.data.algorithms, header: s.header });
  checkWindow(s.key, s.unverified.iat);
  s.credential = s.unverified;
  return passed(`signed with ${s.key.kid}`);
}

function dataModel(s) {
  checkDataModel(s.credential);
  return passed("a W3C VC 2.0 credential secured as vc+jwt");
}

function checkDataModel(credential) {
  const bad = (detail) => fail("credential.malformed", detail);
  const context = credential["@context"];
  if (!Array.isArray(context) || context[0] !== CONTEXT_V2) throw bad(`@context must be a list starting with ${CONTEXT_V2}`);
  if (!Array.isArray(credential.type) || !credential.type.includes("VerifiableCredential")) {
    throw bad("type must be a list including VerifiableCredential");
  }
  for (const claim of ["vc", "vp"]) if (claim in credential) throw bad(`the ${claim} claim is forbidden`);
  const value = credential.issuer;
  const id = isObject(value) ? value.id : value;
  if (typeof id !== "string" || !id.includes(":")) throw bad("issuer must be a URL");
  if ("iss" in credential && credential.iss !== id) throw bad("iss does not match issuer");
  if (!isObject(credential.credentialSubject) || !Object.keys(credential.credentialSubject).length) {
    throw bad("credentialSubject must be a non-empty object");
  }
  const [start, end] = validityWindow(credential);
  if (start !== null && end !== null && start > end) throw bad("validFrom is after validUntil");
}

/** validFrom/validUntil in ms; a time without a zone is malformed (VC 2.0 §4.9). */
function validityWindow(credential) {
  return ["validFrom", "validUntil"].map((name) => {
    const value = credential[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== "string" || !/(Z|[+-]\d\d:\d\d)$/i.test(value) || Number.isNaN(Date.parse(value))) {
      throw fail("credential.malformed", `${name} is not a dateTimeStamp with a time zone`);
    }
    return Date.parse(value);
  });
}

function validity(s) {
  const [start, end] = validityWindow(s.credential);
  if (start !== null && s.now < start) throw fail("credential.not_yet_valid", "the credential is not yet valid");
  if (end !== null && s.now > end) throw fail("credential.expired", "the credential has expired");
  for (const claim of ["exp", "nbf"]) {
    const value = s.credential[claim];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number") throw fail("credential.malformed", `${claim} must be a NumericDate`);
    if (claim === "exp" && s.now >= value * 1000) throw fail("credential.expired", "the signature expired (exp)");
    if (claim === "nbf" && s.now < value * 1000) throw fail("credential.not_yet_valid", "the signature is not yet valid (nbf)");
  }
  return passed("within its validity period");
}

function schema(s) {
  const types = s.credential.type;
  if (!Array.isArray(types) || !types.every((t) => typeof t === "string")) {
    throw fail("credential.schema", "type must be a list of strings");
  }
  const type = certificateType(types, s.data.registry);
  if (!type) throw fail("credential.schema", "the credential's type is not a certificate type this service knows");
  return passed(`a ${type.title}`);
}

function certificateType(types, registry) {
  if (!Array.isArray(types)) return null;
  return registry.certificateTypes.find((t) => types.includes(t.vcType)) ?? null;
}

// ---- status (W3C Bitstring Status List §3.2, from the cached lists) --------------------------

async function status(s) {
  s.status = await checkStatus(s);
  return { ok: s.status.ok, code: s.status.code, detail: s.status.detail };
}

async function checkStatus(s) {
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

// ---- the verdict (verifier/verdict.py) ---------------------------------------------------------

const AUTHENTICITY = ["format", "algorithm", "media_type", "issuer", "key", "signature", "data_model", "schema"];
const UNREACHABLE = new Set(["upstream.unavailable", "key.unconfirmed", "STATUS_RETRIEVAL_ERROR",
                             "trust_list.stale", "trust_list.invalid"]);
const NOT_GENUINE_REASONS = {
  "credential.bad_signature": "forged", "credential.untrusted_issuer": "untrusted_issuer",
  "credential.unknown_key": "unknown_key", "issuer.not_listed": "not_listed",
  "issuer.type_not_allowed": "type_not_allowed", "issuer.suspended": "issuer_suspended",
  "issuer.retired": "issuer_retired", "credential.key_compromised": "key_compromised",
  "credential.key_window": "key_window", "credential.schema": "contents",
};
const STATUS_REASONS = { "status.unknown": "status_offline", "status.stale": "status_stale" };

export function judge(result, registry, now, trusted) {
  const holder = result.credential ? holderOf(result.credential, registry, trusted) : null;
  const verdict = decide(result, holder);
  return { ...verdict, certificate: verdict.holder?.certificate ?? null,
           checkedAt: new Date(now).toISOString(), offline: offlineFacts(result.status) };
}

function decide(result, holder) {
  const v = (state, reason, code, extra = {}) => ({ state, reason, code, date: null, issuerReason: null,
                                                    holder: null, ...extra });
  if (result.verified) return v("valid", "valid", "ok", { holder });
  const failed = new Map(result.checks.filter((c) => c.ok === false).map((c) => [c.check, c]));
  for (const name of AUTHENTICITY) {
    const check = failed.get(name);
    if (check && !UNREACHABLE.has(check.code)) {
      return v("not_genuine", NOT_GENUINE_REASONS[check.code] ?? "malformed", check.code);
    }
  }
  const status = failed.get("status");
  const validity = failed.get("validity");
  if (status && status.code === "credential.revoked") return v("revoked", "revoked", status.code, { holder });
  if (status && status.code === "credential.suspended") return v("suspended", "suspended", status.code, { holder });
  if (validity) {
    return validity.code === "credential.not_yet_valid"
      ? v("not_yet_valid", "not_yet_valid", validity.code, { date: holder?.validFrom ?? null, holder })
      : v("expired", "expired", validity.code, { date: holder?.validUntil ?? null, holder });
  }
  if (failed.has("issuer")) return v("cannot_check", "trust_list_unreachable", failed.get("issuer").code);
  if (failed.has("key")) return v("cannot_check", "keys_unreachable", failed.get("key").code);
  if (status) return v("cannot_check", STATUS_REASONS[status.code] ?? "status_unreachable", status.code, { holder });
  const first = failed.values().next().value;
  return v("cannot_check", "unknown", first ? first.code : "unknown", { holder });
}

function offlineFacts(report) {
  if (!report || report.asOf === undefined || report.asOf === null) return { asOf: null, ageMs: null };
  return { asOf: new Date(report.asOf).toISOString(), ageMs: report.ageMs };
}

function holderOf(credential, registry, trusted) {
  const subject = isObject(credential.credentialSubject) ? credential.credentialSubject : {};
  const text = (value) => (typeof value === "string" && value ? value : null);
  const profession = registry.professions[subject.profession] ?? null;
  const type = certificateType(credential.type, registry);
  const qualifications = Array.isArray(subject.qualifications) ? subject.qualifications
    .filter((q) => isObject(q) && typeof q.degree === "string")
    .map((q) => {
      const where = [q.university, q.year].filter((p) => p !== undefined && p !== null).join(", ");
      return where ? `${q.degree} (${where})` : q.degree;
    }) : [];
  const id = text(credential.id);
  return {
    name: text(subject.name), nameHi: text(subject.nameHi),
    registrationNumber: text(subject.registrationNumber),
    council: trusted?.name_hi ? trusted.name : text(subject.council),
    councilHi: trusted?.name_hi ? trusted.name_hi : text(subject.councilHi),
    profession: profession ? profession.name : text(subject.profession),
    professionHi: profession ? profession.nameHi : null, qualifications,
    certificate: type ? type.title : null, certificateHi: type ? type.titleHi : null,
    certificateId: id ? id.split("/").pop() : null,
    validFrom: text(credential.validFrom), validUntil: text(credential.validUntil),
    issued: typeof credential.iat === "number" ? new Date(credential.iat * 1000).toISOString() : null,
    purpose: text(subject.purpose), addressee: text(subject.addressee),
    destination: text(subject.destination),
  };
}
