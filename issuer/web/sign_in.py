"""The two steps of signing in with a mailed one-time code, shared by professionals (``/p``) and
staff (``/s``): mail a code, then the code page. Each area differs only in its template, its
cookie and whose addresses may sign in (``SignInFlow``).

Post/redirect/get throughout: reloading the code page or switching its language sends no second
code, so the first one keeps working; a refused address comes back in the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from issuer.applicants.service import CodeState, SignInPolicy
from issuer.state import IssuerState
from issuer.web.common import (
    check_sign_in_csrf,
    checked_email,
    problem,
    set_cookie,
    sign_in_page,
)
from schemas.errors import InvalidData, RateLimited


class StartSignIn(Protocol):
    def __call__(self, session: Session, *, email: str, client: str, policy: SignInPolicy,
                 now: datetime, send: Callable[[EmailMessage], None], sender: str) -> None: ...


class ReadCodeState(Protocol):
    def __call__(self, session: Session, *, email: str, policy: SignInPolicy,
                 now: datetime) -> CodeState | None: ...


@dataclass(frozen=True)
class SignInFlow:
    area: str
    """``/p`` or ``/s``: the sign-in page; the code page is ``{area}/code``."""
    template: str
    pending_cookie: str
    """Holds the address the code went to, for the code page (a GET)."""
    start: StartSignIn
    code_state: ReadCodeState


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def mail_code(flow: SignInFlow, request: Request, session: Session, state: IssuerState,
              now: datetime, *, email: str, csrf: str) -> Response:
    """Mail a code, then send the browser to the code page."""
    from issuer.mail.transport import transport_for

    check_sign_in_csrf(request, state, csrf)
    code_page = f"{flow.area}/code"
    try:
        address = checked_email(email)
        flow.start(session, email=address, client=client_of(request),
                   policy=state.sign_in_policy, now=now,
                   send=transport_for(state.settings).send, sender=state.settings.mail_from)
    except InvalidData as err:
        return sign_in_page(request, state, flow.template, step="email", here=flow.area,
                            status_code=err.http_status, email=email,
                            problem=problem(request, err))
    except RateLimited as err:  # the codes already sent still work: stay on the code step
        response = sign_in_page(request, state, flow.template, step="code", here=code_page,
                                status_code=err.http_status, email=address,
                                problem=problem(request, err))
    else:
        response = RedirectResponse(code_page, 303)
    set_cookie(response, state, flow.pending_cookie, address, "strict")
    return response


def code_page(flow: SignInFlow, request: Request, session: Session, state: IssuerState,
              now: datetime, *, wrong: bool) -> Response:
    """The code step: the address the code went to (with a way to change it and to ask for a
    new code) and, after a wrong code, whether it expired or how many tries are left."""
    email = request.cookies.get(flow.pending_cookie, "")
    if not email:
        return RedirectResponse(flow.area, 303)
    code = flow.code_state(session, email=email, policy=state.sign_in_policy,
                           now=now) if wrong else None
    return sign_in_page(request, state, flow.template, step="code", email=email,
                        wrong=wrong, code=code, status_code=401 if wrong else 200)


def wrong_code(flow: SignInFlow, state: IssuerState, email: str) -> Response:
    """Back to the code page, saying so (redirected, not raised: the counted attempt is
    committed)."""
    response = RedirectResponse(f"{flow.area}/code?wrong=1", 303)
    set_cookie(response, state, flow.pending_cookie, email, "strict")
    return response
