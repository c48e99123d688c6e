"""The checks of one verification, in the order of the verifier checklist (VC-JOSE-COSE §3.1,
RFC 7519 §7.2, VC 2.0 §4 and its validation appendix).

Each check reads and adds to a ``Scratch`` and returns an ``Outcome`` or raises the
``CredentialRejected`` that says why it failed; ``STEPS`` names the checks each depends on, and
``verify.verify_credential`` runs them.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from keys.jwk import VerificationKey
from keys.signing import (
    CREDENTIAL_TYPES,
    check_header,
    parse_payload,
    read_unverified_header,
    verify_jws,
)
from schemas import credential as vc
from schemas.errors import Expired, MalformedCredential, NotYetValid, SchemaViolation
from schemas.registry import Registry
from verifier.settings import TrustedIssuer
from verifier.status import StatusReport, check_status
from verifier.status_lists import StatusLists
from verifier.trust import TrustStore
from verifier.trust_list import check_may_issue, listing_note

OK = "ok"
SKIPPED = "skipped"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class Outcome(NamedTuple):
    ok: bool | None
    code: str
    detail: str


def passed(detail: str) -> Outcome:
    return Outcome(True, OK, detail)


@dataclass
class Scratch:
    """What one verification has learnt so far; private to ``verify.verify_credential``."""

    token: str
    trust: TrustStore
    algorithms: Collection[str]
    registry: Registry
    now: datetime
    header: dict[str, Any] = field(default_factory=dict)
    unverified: dict[str, Any] = field(default_factory=dict)
    trusted: TrustedIssuer | None = None
    key: VerificationKey | None = None
    credential: dict[str, Any] | None = None
    status_lists: StatusLists | None = None
    status: StatusReport | None = None


def read_unverified_payload(token: str) -> dict[str, Any]:
    """The payload of a compact JWS as a JSON object, *unverified*: only for choosing the issuer."""
    segment = token.split(".")[1]
    if not _BASE64URL.fullmatch(segment):
        raise MalformedCredential("the token's payload is not base64url")
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as err:
        raise MalformedCredential("the token's payload is not base64url") from err
    return parse_payload(data)


def _format(s: Scratch) -> Outcome:
    s.header = read_unverified_header(s.token)
    s.unverified = read_unverified_payload(s.token)
    return passed(f"a compact JWS of {len(s.token)} characters with a JSON header and payload")


# ``check_header`` is the one place the header rules live; each check below lets it judge only
# its own part, so the algorithm and the media type are reported separately.
def _algorithm(s: Scratch) -> Outcome:
    check_header({"alg": s.header.get("alg"), "typ": "vc+jwt"}, algorithms=s.algorithms)
    return passed(f"{s.header['alg']} is on this verifier's allow-list")


def _media_type(s: Scratch) -> Outcome:
    judged_above: list[Any] = [s.header.get("alg")]
    # a tuple, not keys' frozenset: a list-valued typ must fail the check, not raise TypeError
    check_header(s.header, algorithms=judged_above, types=tuple(sorted(CREDENTIAL_TYPES)))
    return passed(f"typ {s.header['typ']}" + (f", cty {s.header['cty']}" if "cty" in s.header
                                               else ""))


def _issuer(s: Scratch) -> Outcome:
    issuer = s.unverified.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise MalformedCredential("the credential names no issuer URL", field="issuer")
    if "iss" in s.unverified and s.unverified["iss"] != issuer_id:
        raise MalformedCredential("the JWT claim iss does not match the credential's issuer",
                                  field="iss")
    s.trusted = s.trust.trusted_issuer(issuer_id, now=s.now)
    check_may_issue(s.trusted, s.unverified, s.registry)
    return passed(f"{issuer_id} is trusted as {s.trusted.name}{listing_note(s.trust, s.now)}")


def _key(s: Scratch) -> Outcome:
    assert s.trusted is not None
    s.key = s.trust.signing_key(s.trusted, s.header.get("kid"))
    s.key.window.check_not_compromised(s.key.kid)
    return passed(f"{s.trusted.name} publishes key {s.key.kid} ({s.key.alg})")


def _signature(s: Scratch) -> Outcome:
    key = s.key
    assert key is not None
    verify_jws(s.token, resolve_key=lambda _header: key, algorithms=s.algorithms,
               header=s.header)
    # The signature covers the very payload segment ``_format`` parsed: reuse it, not parse twice.
    credential = s.unverified
    key.window.check(key.kid, credential.get("iat"))  # only now is iat the issuer's word
    s.credential = credential
    return passed(f"signed with {key.kid}" + (" within its signing window" if (
        key.window.not_before is not None or key.window.not_after is not None) else ""))


def _data_model(s: Scratch) -> Outcome:
    assert s.credential is not None
    vc.check_data_model(s.credential)
    return passed("a W3C VC 2.0 credential secured as vc+jwt (no vc/vp claim, iss = issuer)")


def _validity(s: Scratch) -> Outcome:
    assert s.credential is not None
    vc.check_validity_period(s.credential, now=s.now)
    _check_jwt_times(s.credential, now=s.now)
    start, end = vc.validity_window(s.credential)
    window = " ".join(part for part in (
        f"from {vc.time_for_people(start)}" if start else "",
        f"until {vc.time_for_people(end)}" if end else "")
        if part)
    return passed(f"valid {window or 'without a time limit'}")


def _schema(s: Scratch) -> Outcome:
    assert s.credential is not None
    types = s.credential.get("type")
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise SchemaViolation("type must be a list of strings", field="type")
    cert_type = vc.validate_against_schema(s.credential, s.registry)
    return passed(f"a {cert_type.title} conforming to {cert_type.schema}")


def _status(s: Scratch) -> Outcome:
    assert s.credential is not None and s.trusted is not None
    s.status = check_status(s.credential, trusted=s.trusted, lists=s.status_lists, now=s.now)
    return Outcome(s.status.ok, s.status.code, s.status.detail)


Step = Callable[[Scratch], Outcome]
STEPS: tuple[tuple[str, Step, tuple[str, ...]], ...] = (
    ("format", _format, ()),
    ("algorithm", _algorithm, ("format",)),
    ("media_type", _media_type, ("format",)),
    ("issuer", _issuer, ("format",)),
    ("key", _key, ("algorithm", "media_type", "issuer")),  # no key fetch for a bad header
    ("signature", _signature, ("key",)),
    ("data_model", _data_model, ("signature",)),
    ("validity", _validity, ("data_model",)),
    ("schema", _schema, ("data_model",)),
    ("status", _status, ("data_model",)),
)
"""(check, function, the checks it depends on), in the order they are reported."""



def _check_jwt_times(credential: Mapping[str, Any], *, now: datetime) -> None:
    """RFC 7519 ``exp``/``nbf``, if an issuer adds them, bound the signature's validity."""
    for claim in ("exp", "nbf"):
        value = credential.get(claim)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise MalformedCredential(f"{claim} must be a NumericDate", field=claim)
        try:
            moment = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError) as err:
            raise MalformedCredential(f"{claim} is not a usable NumericDate", field=claim) from err
        if claim == "exp" and now >= moment:
            raise Expired(f"the signature expired at {vc.time_for_people(moment)} (exp)",
                          valid_until=moment)
        if claim == "nbf" and now < moment:
            raise NotYetValid(f"the signature is valid only from "
                              f"{vc.time_for_people(moment)} (nbf)", valid_from=moment)
