// The in-browser check: the checks of verifier/checks.py (same names, order, dependencies and
// codes), the status check of verifier/status.py as `verifier check --offline` runs it from a
// bundle (verifier/bundle.py BundleLists), and the verdict of verifier/verdict.py. The data is
// the cached GET /v/offline-data (store.js): every status list and the trust list are verified
// again here; the JWKS are the pinned copy the verifier fetched.
//
// Where the server would fetch again (a kid or an issuer it does not know), the answer depends
// on `fresh`: with data fetched just now an unknown key is Not genuine, as on the server; with
// older data it is Cannot check (the issuer may have rotated since), never Valid.
import {
  checkHeader, checkNotCompromised, checkWindow, fail, isObject, jsonOf, parseJwks,
  readUnverifiedHeader, readUnverifiedPayload, verifyJws, CREDENTIAL_TYPES,
} from "./jws.js";
import { certificateType, checkDataModel, validityWindow } from "./credential.js";
import { checkStatus } from "./status.js";
import { judge } from "./verdict.js";

const TRUST_LIST_TYP = "trust-list+jwt";

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


async function status(s) {
  s.status = await checkStatus(s);
  return { ok: s.status.ok, code: s.status.code, detail: s.status.detail };
}
