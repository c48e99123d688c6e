// One verdict a clerk can act on: verifier/verdict.py, the same states, reasons, codes and
// precedence (not genuine beats revoked beats suspended beats the validity period; what could not
// be reached is Cannot check), and the holder's signed details as the page shows them.
import { isObject } from "./jws.js";
import { certificateType } from "./credential.js";

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
