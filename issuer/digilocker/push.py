"""Push URI to Account (Authorized Partner API; reference/digilocker.md §8a): tell DigiLocker
that a document was added to (``A``) or deleted from (``D``) a person's account.

Enqueued by ``issuer.outbox.hooks`` in the issuing or status-changing transaction; sent by the
outbox worker with retries. The form is ``application/x-www-form-urlencoded`` (as deployed
issuers send it); ``hmac`` is the hex SHA-256 of client secret + every field value in order + ts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session

from issuer.credentials.models import IssuedCredential
from issuer.credentials.service import credential_of
from issuer.digilocker.service import DigiLockerConfig, doc_id
from issuer.outbox import service as outbox
from issuer.outbox.hooks import DIGILOCKER_PUSH
from issuer.registry.models import Registration
from schemas.credential import INDIA, validity_window
from schemas.errors import DigiLockerPushRefused, DigiLockerPushUnavailable

TIMEOUT_SECONDS = 15.0
FIELDS = ("clientid", "digilockerid", "uri", "doctype", "description", "docid", "issuedate",
          "validfrom", "validto", "action", "ts")


@dataclass(frozen=True)
class PushContext:
    url: str | None
    client_id: str | None
    client_secret: str | None
    config: DigiLockerConfig
    timeout: float = TIMEOUT_SECONDS


def push_hmac(client_secret: str, fields: Mapping[str, str]) -> str:
    return hashlib.sha256((client_secret + "".join(fields[f] for f in FIELDS)).encode()
                          ).hexdigest()


def prepare(context: PushContext, session: Session, payload: Mapping[str, Any], now: datetime
            ) -> outbox.Send | outbox.Skip:
    if not (context.url and context.client_id and context.client_secret):
        return outbox.Skip("DigiLocker push is not configured (PRAMAAN_DIGILOCKER_PUSH_URL)")
    row = session.get(IssuedCredential, payload["credential"])
    if row is None:
        return outbox.Skip(f"credential {payload['credential']} no longer exists")
    doc_type = context.config.doc_type_for(row.council_id, row.certificate_type)
    if doc_type is None:
        return outbox.Skip(f"no DigiLocker DocType is configured for {row.council_id} "
                           f"{row.certificate_type}")
    person = session.get_one(Registration, row.registration_id).professional
    if not person.digilocker_id:
        return outbox.Skip("the professional's DigiLocker id is not known")
    # the signed credential's own dates carry their offset (SQLite columns do not)
    valid_from, valid_until = validity_window(credential_of(row))
    fields = {
        "clientid": context.client_id, "digilockerid": person.digilocker_id,
        "uri": context.config.uri(doc_type.doc_type, row.certificate_number),
        "doctype": doc_type.doc_type.upper(), "description": doc_type.description,
        "docid": doc_id(row.certificate_number), "issuedate": _ddmmyyyy(row.issued_at),
        "validfrom": _ddmmyyyy(valid_from or row.issued_at),
        "validto": _ddmmyyyy(valid_until) if valid_until else "",
        "action": str(payload["action"]), "ts": str(int(now.timestamp()))}
    fields["hmac"] = push_hmac(context.client_secret, fields)
    url, timeout = context.url, context.timeout

    def send() -> None:
        try:
            response = httpx.post(url, data=fields, timeout=timeout)
        except httpx.HTTPError as err:
            raise DigiLockerPushUnavailable(
                f"DigiLocker push to {url} failed ({type(err).__name__})") from err
        if not response.is_success:
            raise DigiLockerPushRefused(
                f"DigiLocker refused the push with HTTP {response.status_code} "
                f"({_error_code(response)})")
    return send


def handlers(context: PushContext) -> dict[str, outbox.Handler]:
    return {DIGILOCKER_PUSH: lambda s, job, now: prepare(context, s, job.payload, now)}


def _ddmmyyyy(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(INDIA).strftime("%d%m%Y")


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", "no error code"))[:60]
    except ValueError:
        return "no error code"
