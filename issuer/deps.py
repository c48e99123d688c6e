"""Request dependencies: the app state, one transactional session per request, the staff caller."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, File, Header, Request, UploadFile
from sqlalchemy.orm import Session

from issuer import db
from issuer.applicants import service as applicants
from issuer.applicants.service import Applicant
from issuer.applications import documents as files
from issuer.auth.service import Staff, authenticate
from issuer.state import IssuerState


# The dependencies that only read what the app already holds are ``async``: FastAPI runs a sync
# dependency in the thread pool, one thread hop each, and a public GET such as
# ``/c/{number}/status`` paid four of them (about 0.1 ms each).
async def get_state(request: Request) -> IssuerState:
    state: IssuerState = request.app.state.pramaan
    return state


StateDep = Annotated[IssuerState, Depends(get_state)]


READS = frozenset({"GET", "HEAD"})


def get_session(state: StateDep, request: Request) -> Iterator[Session]:
    """The request's transaction. Function-scoped: it commits (or fails, answering an error)
    when the route returns, before the response is sent, so a 2xx means committed. A GET or
    HEAD reads without SQLite's write lock."""
    yield from db.transaction(state.sessions, reads_first=request.method in READS)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_staff(session: SessionDep, state: StateDep,
              authorization: Annotated[str | None, Header()] = None) -> Staff:
    return authenticate(session, authorization, now=state.clock())


StaffDep = Annotated[Staff, Depends(get_staff)]


async def utc_now(state: StateDep) -> datetime:
    """The app's clock (``create_app(settings, clock=…)``), never the wall clock directly."""
    return state.clock()


NowDep = Annotated[datetime, Depends(utc_now)]


async def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


BearerDep = Annotated[str | None, Depends(bearer_token)]


def get_applicant(session: SessionDep, now: NowDep, token: BearerDep) -> Applicant:
    """The professional signed in by an ``aps_`` bearer token (the API's form of the session;
    the pages use the same token in a cookie, with CSRF checks)."""
    return applicants.authenticate(session, token, now=now)


ApplicantDep = Annotated[Applicant, Depends(get_applicant)]


def checked_upload(file: Annotated[UploadFile, File()], state: StateDep) -> files.CheckedFile:
    """The uploaded document, read within its cap and checked by content. A route takes it
    before its session's first query (FastAPI resolves dependencies before the route runs), so
    the slow checks never hold SQLite's write lock, and a refused file never touches the
    database."""
    return files.check(file.file, max_bytes=state.settings.upload_max_bytes,
                       filename=file.filename)


CheckedUploadDep = Annotated[files.CheckedFile, Depends(checked_upload)]
