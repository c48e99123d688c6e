// Compact JWS in the browser, as keys/signing.py does it: header read with a size cap, checked
// against the configured algorithms (never the token's word) before a key is chosen, then the
// signature with WebCrypto. ES256/ES384 signatures are r||s, which is what WebCrypto verifies.
import { OfflineError } from "./qr.js";

export const MAX_TOKEN_LENGTH = 16_384;
export const CREDENTIAL_TYPES = ["application/vc+jwt", "vc+jwt"];
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const WEBCRYPTO = {
  ES256: [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }],
  ES384: [{ name: "ECDSA", namedCurve: "P-384" }, { name: "ECDSA", hash: "SHA-384" }],
  EdDSA: [{ name: "Ed25519" }, { name: "Ed25519" }],
};
const CURVE_OF_ALG = { ES256: "P-256", ES384: "P-384", EdDSA: "Ed25519" };
const utf8 = new TextDecoder("utf-8", { fatal: true });

export const fail = (code, detail) => new OfflineError(code, detail);
const malformed = (detail) => fail("credential.malformed", detail);

export function b64decode(segment) {
  if (segment.length % 4 === 1 || !BASE64URL.test(segment)) throw new Error("not base64url");
  const text = atob(segment.replace(/-/g, "+").replace(/_/g, "/")
    + "=".repeat((4 - (segment.length % 4)) % 4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

export function jsonOf(bytes) {
  return JSON.parse(utf8.decode(bytes));
}

/** The JOSE header, *untrusted*: only for choosing how to verify. */
export function readUnverifiedHeader(token, maxLength = MAX_TOKEN_LENGTH) {
  if (typeof token !== "string" || token.length > maxLength) {
    throw malformed(`a credential token is at most ${maxLength} characters`);
  }
  if (token.split(".").length !== 3) throw malformed("a compact JWS has exactly three dot-separated parts");
  let header;
  try {
    header = jsonOf(b64decode(token.split(".")[0]));
  } catch {
    throw malformed("the token's header is not base64url JSON");
  }
  if (!isObject(header) || !(header.kid === undefined || typeof header.kid === "string")) {
    throw malformed("the token's header is not a JSON object with a string kid");
  }
  return header;
}

/** The payload as a JSON object, *unverified*. */
export function readUnverifiedPayload(token) {
  const segment = token.split(".")[1];
  let payload;
  try {
    payload = jsonOf(b64decode(segment));
  } catch {
    throw malformed("the token's payload is not JSON");
  }
  if (!isObject(payload)) throw malformed("the token's payload is not a JSON object");
  return payload;
}

export function checkHeader(header, { algorithms, types = CREDENTIAL_TYPES, cty = "vc" }) {
  if (!algorithms.includes(header.alg)) {
    throw fail("credential.algorithm_not_allowed",
      `algorithm ${JSON.stringify(header.alg)} is not accepted; this verifier accepts ${algorithms.join(", ")}`);
  }
  if (!types.includes(header.typ)) {
    throw fail("credential.media_type", `typ ${JSON.stringify(header.typ)} is not one of ${types.join(", ")}`);
  }
  if ("cty" in header && header.cty !== cty) {
    throw fail("credential.media_type", `cty ${JSON.stringify(header.cty)} is not ${JSON.stringify(cty)}`);
  }
  if ("crit" in header) throw malformed("the token has critical header parameters this verifier does not understand");
}

/** A JWKS as {kid: {kid, alg, jwk, window}}: as keys/jwk.py parse_jwks, the algorithm is fixed by
 *  the curve, private members and other uses are skipped. */
export function parseJwks(document) {
  const keys = new Map();
  if (!isObject(document) || !Array.isArray(document.keys)) return keys;
  for (const entry of document.keys) {
    if (!isObject(entry) || (entry.use ?? "sig") !== "sig") continue;
    if (["d", "p", "q", "k"].some((m) => m in entry)) continue;
    const alg = Object.keys(CURVE_OF_ALG).find((a) => CURVE_OF_ALG[a] === entry.crv);
    if (!alg || (entry.alg !== undefined && entry.alg !== alg)) continue;
    if (typeof entry.kid !== "string") continue;  // ours always carry the RFC 7638 thumbprint
    keys.set(entry.kid, { kid: entry.kid, alg, jwk: entry, window: windowOf(entry) });
  }
  return keys;
}

function windowOf(entry) {
  const seconds = (v) => (typeof v === "number" ? Math.trunc(v) : null);
  const revoked = entry.revoked;
  let compromisedAt = null;
  if (revoked !== undefined && revoked !== null && revoked !== false) {
    compromisedAt = (isObject(revoked) && seconds(revoked.revoked_at)) ?? 0;
  }
  return { notBefore: seconds(entry.nbf), notAfter: seconds(entry.exp), compromisedAt };
}

export function checkNotCompromised(key) {
  if (key.window.compromisedAt !== null) {
    throw fail("credential.key_compromised", `the issuer has declared key ${key.kid} compromised`);
  }
}

/** The key's signing window applied to the signed iat (keys/jwk.py KeyWindow.check). */
export function checkWindow(key, issuedAt) {
  checkNotCompromised(key);
  const { notBefore, notAfter } = key.window;
  if (notBefore === null && notAfter === null) return;
  if (typeof issuedAt !== "number") {
    throw malformed("the credential has no numeric iat, so the signing key's validity window cannot be checked");
  }
  if ((notBefore !== null && issuedAt < notBefore) || (notAfter !== null && issuedAt > notAfter)) {
    throw fail("credential.key_window", `the credential claims to be signed outside the window of key ${key.kid}`);
  }
}

const imported = new WeakMap();

async function cryptoKey(key) {
  if (!imported.has(key)) {
    const { kty, crv, x, y } = key.jwk;
    imported.set(key, crypto.subtle.importKey("jwk", { kty, crv, x, ...(y ? { y } : {}) },
      WEBCRYPTO[key.alg][0], false, ["verify"]));
  }
  return imported.get(key);
}

/** Header checked, key resolved by kid (never from the token), signature verified. */
export async function verifyJws(token, { resolveKey, algorithms, types, cty, maxLength, header }) {
  const checked = header ?? readUnverifiedHeader(token, maxLength);
  checkHeader(checked, { algorithms, types, cty });
  const key = resolveKey(checked);
  if (key.alg !== checked.alg) {
    throw fail("credential.bad_signature", `the token says ${checked.alg} but key ${key.kid} is an ${key.alg} key`);
  }
  const [h, p, s] = token.split(".");
  let payload;
  let signature;
  try {
    payload = b64decode(p);
    signature = b64decode(s);
  } catch {
    throw malformed("the token's payload or signature is not base64url");
  }
  let ok = false;
  try {
    ok = await crypto.subtle.verify(WEBCRYPTO[key.alg][1], await cryptoKey(key), signature,
      new TextEncoder().encode(`${h}.${p}`));
  } catch {
    ok = false;
  }
  if (!ok) throw fail("credential.bad_signature", "the signature does not match the issuer's key");
  return { header: checked, payload, key };
}

export function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
