"""Revocation and suspension: the W3C Bitstring Status List check (§3.2), online or from a bundle.

For each ``BitstringStatusListEntry`` of a verified credential the list is had from
``status_lists.StatusLists`` (fetched and verified, or from the bundle); its issuer must be the
credential's, its purpose must be the entry's and it must have at least 131,072 entries. The bit
is then read MSB-first.

The verdict is the signed list's alone. When a bit is set, the issuer's public, unsigned
``{credential id}/status`` adds the reason and dates a bitstring cannot carry.

A credential without entries is the one advisory case (``status.none``); a status that could not be
established (a list error, or no way to fetch lists) always makes the credential unverified.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas import credential as vc
from schemas import status_list as sl
from schemas.errors import Revoked, StatusStale, StatusUnknown, Suspended
from verifier.settings import TrustedIssuer
from verifier.status_lists import StatusDetails, StatusList, StatusLists

NO_STATUS = "status.none"
STATUS_UNKNOWN = StatusUnknown.code
STATUS_STALE = StatusStale.code
REVOKED_CODE = Revoked.code
SUSPENDED_CODE = Suspended.code
EVALUATED = {"revocation": "revoked", "suspension": "suspended"}
"""The purposes whose set bit invalidates a credential; ``refresh``/``message`` are not read."""


@dataclass(frozen=True)
class StatusReport:
    """The status check's outcome and its facts: what was found, from where, and how old."""

    ok: bool | None
    code: str
    detail: str
    state: str
    """``active``, ``revoked``, ``suspended``, ``unknown`` (not established) or ``none``."""
    reason: str | None = None
    reason_text: str | None = None
    since: str | None = None
    """ISO 8601 as the issuer sent it, for machines; ``detail`` shows it to people."""
    until: str | None = None
    replaced_by: str | None = None
    source: str | None = None
    """``online`` or ``bundle``: where the status lists came from."""
    as_of: datetime | None = None
    """When the oldest list used was issued (its signed ``validFrom``, else when fetched)."""
    fetched_at: datetime | None = None
    age_seconds: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "reason": self.reason, "reasonText": self.reason_text,
                "since": self.since, "until": self.until, "replacedBy": self.replaced_by,
                "source": self.source,
                "asOf": self.as_of.isoformat() if self.as_of else None,
                "fetchedAt": self.fetched_at.isoformat() if self.fetched_at else None,
                "ageSeconds": self.age_seconds}



def check_status(credential: Mapping[str, Any], *, trusted: TrustedIssuer,
                 lists: StatusLists | None, now: datetime) -> StatusReport:
    """The credential's status per its ``BitstringStatusListEntry`` entries (W3C §3.2).

    Revoked beats suspended, and a set bit beats a list error (it is definitive); otherwise any
    list error decides, with its W3C code. Never ``ok=True`` unless every entry was read.
    """
    try:
        entries = _entries(credential)
    except sl.StatusError as err:
        return StatusReport(False, err.code, err.detail, "unknown")
    if not entries:
        return StatusReport(None, NO_STATUS, "the credential carries no status list entry, so "
                            "its issuer offers no revocation check", "none")
    if lists is None:
        return StatusReport(False, STATUS_UNKNOWN, "the status could not be checked: offline "
                            "without a trust bundle (run `verifier sync` while online)",
                            "unknown")
    issuer = vc.issuer_of(credential)
    found: set[str] = set()
    used: list[StatusList] = []
    errors: list[sl.StatusError] = []
    for purpose, url, index in entries:
        try:
            status_list = lists.get(url, trusted=trusted, now=now)
            if status_list.issuer != issuer:
                raise sl.StatusVerificationError(
                    f"the status list at {url} is issued by {status_list.issuer}, not by the "
                    f"credential's issuer {issuer}")
            if sl.read_list_bit(status_list.credential, purpose=purpose, index=index):
                found.add(EVALUATED[purpose])
            used.append(status_list)
        except sl.StatusError as err:
            errors.append(err)
    return _report(credential, found, used, errors, trusted=trusted, lists=lists, now=now)


def _entries(credential: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    status = credential.get("credentialStatus")
    if status is None:
        return []
    items = status if isinstance(status, list) else [status]
    if not all(isinstance(item, dict) for item in items):
        raise sl.MalformedStatus("credentialStatus must be an object or a list of objects")
    read = [sl.read_entry(item) for item in items if item.get("type") == sl.ENTRY_TYPE]
    return [entry for entry in read if entry[0] in EVALUATED]


def _report(credential: Mapping[str, Any], found: set[str], used: list[StatusList],
            errors: list[sl.StatusError], *, trusted: TrustedIssuer, lists: StatusLists,
            now: datetime) -> StatusReport:
    fetched_at = min((s.fetched_at for s in used), default=None)
    as_of = min((s.issued_at or s.fetched_at for s in used), default=None)
    age = max(0, int((now - as_of).total_seconds())) if as_of else None
    facts: dict[str, Any] = {"source": lists.source, "as_of": as_of, "fetched_at": fetched_at,
                             "age_seconds": age}
    freshness = _freshness(lists, as_of, age, fetched_at)
    state = "revoked" if "revoked" in found else "suspended" if found else None
    if state is not None:
        details = lists.details(credential.get("id"), trusted=trusted, now=now)
        if details is not None and details.state != state:
            details = None  # the signed bit decides; a disagreeing courtesy note is dropped
        code = REVOKED_CODE if state == "revoked" else SUSPENDED_CODE
        told = details or StatusDetails(state)
        return StatusReport(False, code, _why(state, details) + freshness, state,
                            reason=told.reason, reason_text=told.reason_text, since=told.since,
                            until=told.until, replaced_by=told.replaced_by, **facts)
    if errors:
        first = errors[0]
        return StatusReport(False, first.code, first.detail, "unknown", **facts)
    if lists.max_age_seconds is not None and age is not None and age > lists.max_age_seconds:
        limit = describe_age(lists.max_age_seconds)
        return StatusReport(False, STATUS_STALE, "the status data is too old to rely on: "
                            f"{freshness.strip('; ')}, over the {limit} allowed; run "
                            "`verifier sync` again", "unknown", **facts)
    return StatusReport(True, "ok", "neither revoked nor suspended" + freshness, "active",
                        **facts)


def _why(state: str, details: StatusDetails | None) -> str:
    text = f"the council has {state} this certificate"
    if details is None:
        return text + " (its reason is not available here)"
    if details.since:
        text += f" since {vc.time_text_for_people(details.since)}"
    if details.until:
        text += f", until {vc.time_text_for_people(details.until)}"
    reason = details.reason_text or details.reason
    text += f": {reason}" if reason else ""
    return text + (f"; replaced by {details.replaced_by}" if details.replaced_by else "")


def _freshness(lists: StatusLists, as_of: datetime | None, age: int | None,
               fetched_at: datetime | None) -> str:
    if as_of is None or age is None:
        return ""
    if lists.source == "bundle":
        synced = vc.time_for_people(fetched_at) if fetched_at else "?"
        return (f"; from the offline bundle (synced {synced}), status as of "
                f"{vc.time_for_people(as_of)}, {describe_age(age)} old")
    return f"; status list as of {vc.time_for_people(as_of)}, {describe_age(age)} old"


def describe_age(seconds: float) -> str:
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    count = int(seconds)
    return f"{count} second{'s' if count != 1 else ''}"
