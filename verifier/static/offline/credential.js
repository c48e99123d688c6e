// The VC 2.0 rules the checks, the status lists and the verdict share (schemas/credential.py):
// the data model a verifier must enforce, the validity window, the certificate type by VC type.
import { fail, isObject } from "./jws.js";

const CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2";

export function checkDataModel(credential) {
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

export function validityWindow(credential) {
  return ["validFrom", "validUntil"].map((name) => {
    const value = credential[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== "string" || !/(Z|[+-]\d\d:\d\d)$/i.test(value) || Number.isNaN(Date.parse(value))) {
      throw fail("credential.malformed", `${name} is not a dateTimeStamp with a time zone`);
    }
    return Date.parse(value);
  });
}

export function certificateType(types, registry) {
  if (!Array.isArray(types)) return null;
  return registry.certificateTypes.find((t) => types.includes(t.vcType)) ?? null;
}
