"""Publish status lists: the W3C list credential per purpose and the IETF token per list.

Lists are built from the credentials' states on request and signed with the current key, then
kept until the list changes (its ``version``), a suspension on it ends, or an hour has passed, so
a busy verifier population costs one indexed query per request, not a gzip and a signature. The
signed list is valid for two days (``LIST_VALIDITY``): long enough for an offline trust bundle
synced daily, short enough that an old list cannot be replayed for long; verifiers refresh it
every ``ttl`` anyway.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.credentials.models import IssuedCredential
from issuer.status import service as status
from issuer.status.models import StatusList
from keys.keyring import KeyRing
from keys.signing import sign_credential
from schemas import credential as vc
from schemas import status_list as sl
from schemas.errors import NotFound

LIST_VALIDITY = timedelta(days=2)
REBUILD_AFTER = timedelta(hours=1)
W3C_MEDIA_TYPE = "application/vc+jwt"
IETF_MEDIA_TYPE = "application/statuslist+jwt"
IETF = "token"
_STATES_OF = {"revocation": (status.REVOKED,), "suspension": (status.SUSPENDED,)}


@dataclass(frozen=True)
class ListState:
    """Which entries of one list are set, as of ``now``."""

    number: int
    council_id: str
    size: int
    revoked: frozenset[int]
    suspended: frozenset[int]
    next_change: datetime | None
    """When a suspension on the list ends by itself (the list must be rebuilt then)."""


@dataclass(frozen=True)
class _Signed:
    version: int
    kid: str
    fresh_until: datetime
    token: str


def read_list(session: Session, number: int, *, now: datetime,
              states: tuple[str, ...] = (status.REVOKED, status.SUSPENDED)) -> ListState:
    """The list's set entries of the given ``states``, as of ``now``: a suspension whose end has
    passed is not set, whether or not its end has been recorded yet (``lift_ended_suspensions``,
    run by the background job); reading writes nothing. Index-only Core queries: 10,000
    revocations read in a few ms."""
    row = session.get(StatusList, number)
    if row is None:
        raise NotFound(f"there is no status list {number}")
    table = IssuedCredential.__table__.c
    of_list = table.status_list_id == number
    connection = session.connection()
    revoked: frozenset[int] = frozenset()
    if status.REVOKED in states:  # index-only: (list, state, index) holds all it needs
        revoked = frozenset(connection.execute(select(table.status_index).where(
            of_list, table.state == status.REVOKED)).scalars().all())
    suspended: set[int] = set()
    next_change = None
    if status.SUSPENDED in states:
        for index, until in connection.execute(select(
                table.status_index, table.suspended_until).where(
                of_list, table.state == status.SUSPENDED)).all():
            if until is not None and until <= now:
                continue  # ended (``status.effective_state``), its lift not yet recorded
            suspended.add(index)
            if until is not None:
                next_change = until if next_change is None else min(next_change, until)
    return ListState(number, row.council_id, row.size, revoked, frozenset(suspended),
                     next_change)


def w3c_list_token(state: ListState, purpose: str, *, keyring: KeyRing, public_base: str,
                   ttl_seconds: int, now: datetime) -> str:
    """The ``BitstringStatusListCredential`` of ``purpose``, signed as vc+jwt."""
    if purpose not in sl.PURPOSES:
        raise NotFound(f"there are no {purpose!r} lists; purposes: {', '.join(sl.PURPOSES)}")
    indices = state.revoked if purpose == "revocation" else state.suspended
    credential = sl.list_credential(
        url=sl.list_url(public_base, purpose, state.number),
        issuer=vc.issuer_url(public_base, state.council_id), purpose=purpose,
        bits=sl.bitstring_of(state.size, indices), issued_at=now,
        valid_until=now + LIST_VALIDITY, ttl_seconds=ttl_seconds)
    return sign_credential(vc.encode_payload(credential), keyring.signer)


def ietf_list_token(state: ListState, *, keyring: KeyRing, public_base: str, ttl_seconds: int,
                    now: datetime) -> str:
    """The same list as an IETF ``statuslist+jwt``: 2 bits an entry, 1 revoked, 2 suspended."""
    values = dict.fromkeys(state.suspended, sl.IETF_SUSPENDED)
    values |= dict.fromkeys(state.revoked, sl.IETF_INVALID)
    claims = sl.ietf_claims(url=sl.token_list_url(public_base, state.number),
                            issuer=vc.issuer_url(public_base, state.council_id),
                            array=sl.ietf_byte_array(values, entries=state.size), issued_at=now,
                            valid_until=now + LIST_VALIDITY, ttl_seconds=ttl_seconds)
    return sign_credential(vc.encode_payload(claims), keyring.signer, typ="statuslist+jwt",
                           cty=None)


class StatusListPublisher:
    """Signed lists, cached per process until their list changes; safe across threads."""

    def __init__(self, *, public_base: str, ttl_seconds: int) -> None:
        self.public_base = public_base
        self.ttl_seconds = ttl_seconds
        self._signed: dict[tuple[int, str], _Signed] = {}
        self._lock = threading.Lock()

    def token(self, session: Session, number: int, form: str, *, keyring: KeyRing,
              now: datetime) -> str:
        """``form`` is a purpose (``revocation``/``suspension``) or ``token`` (IETF)."""
        version = session.scalar(select(StatusList.version).where(StatusList.id == number))
        if version is None:
            raise NotFound(f"there is no status list {number}")
        cached = self._signed.get((number, form))
        if (cached and cached.version == version and cached.kid == keyring.signer.kid
                and now < cached.fresh_until):
            return cached.token
        state = read_list(session, number, now=now, states=_STATES_OF.get(
            form, (status.REVOKED, status.SUSPENDED)))
        if form == IETF:
            token = ietf_list_token(state, keyring=keyring, public_base=self.public_base,
                                    ttl_seconds=self.ttl_seconds, now=now)
        else:
            token = w3c_list_token(state, form, keyring=keyring, public_base=self.public_base,
                                   ttl_seconds=self.ttl_seconds, now=now)
        fresh_until = min(now + REBUILD_AFTER, state.next_change or now + REBUILD_AFTER)
        with self._lock:
            self._signed[(number, form)] = _Signed(version, keyring.signer.kid,
                                                       fresh_until, token)
        return token


def list_urls(session: Session, *, public_base: str) -> list[str]:
    """Every published list, both forms: what ``verifier sync`` downloads."""
    urls = []
    for number in session.scalars(select(StatusList.id).order_by(StatusList.id)):
        urls += [sl.list_url(public_base, purpose, number) for purpose in sl.PURPOSES]
    return urls
