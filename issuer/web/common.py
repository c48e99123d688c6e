"""What the server-rendered pages share: templates and language, the error page, session
cookies and CSRF tokens. The pages themselves: ``pages`` (professionals), ``staff_pages``.

Sessions live in HttpOnly cookies (``SameSite=Lax`` for professionals, who arrive from mail
links; ``Strict`` for staff; ``Secure`` when the service is on https) and are server-side: the
cookie holds a random session secret (never a staff API token) and signing out ends the session.
Every form post that acts under a session carries a CSRF token, an HMAC of the session token
under the session key, so a page on another site cannot post in the user's name. The sign-in
forms, before there is a session, carry one bound the same way to a random pre-session cookie,
so a page on another site cannot sign someone in either. No script runs on these pages.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from issuer.applications import service
from issuer.inputs import Clean, CleanText
from issuer.state import IssuerState
from issuer.web.i18n import LANGUAGES, translator
from issuer.web.problems import problem_text
from schemas.credential import time_for_people
from schemas.errors import CsrfRejected, InvalidData, PramaanError, Unauthenticated

APPLICANT_COOKIE, STAFF_COOKIE, LANG_COOKIE = "pramaan_applicant", "pramaan_staff", "lang"
PENDING_EMAIL_COOKIE, STAFF_PENDING_COOKIE = "pramaan_signin", "pramaan_staff_signin"
"""The address a sign-in code was last sent to from this browser, so the code page (a GET,
after post/redirect/get) can show it and be reloaded or switched in language safely."""
PRE_SESSION_COOKIE, PRE_SESSION_PREFIX = "pramaan_pre", "pre_"
TEMPLATES = Path(__file__).parent / "templates"
Text = Annotated[str, Form(max_length=service.MAX_TEXT), CleanText]
Csrf = Annotated[str, Form(max_length=64), Clean]
SignInCsrf = Annotated[str, Form(max_length=64), Clean]
"""Defaults to "" on the sign-in forms, so a post without it is ``auth.csrf``, not a 400."""


@cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = time_for_people
    env.filters["kb"] = size_for_people
    return env


def size_for_people(size: int) -> str:
    """``37 KB``, not ``(37802 B)``."""
    return f"{max(1, round(size / 1024))} KB" if size < 1024 * 1024 else \
        f"{size / (1024 * 1024):.1f} MB"


def language(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "en"
    return wanted if wanted in LANGUAGES else "en"


def render(request: Request, name: str, *, status_code: int = 200, here: str | None = None,
           **context: Any) -> Response:
    """``here``: the address the page can be fetched again at (its language links point there),
    when it is the answer to a form post at another address."""
    lang = language(request)
    html = _environment().get_template(name).render(
        t=translator(lang), lang=lang, path=request.url.path, here=here or request.url.path,
        **context)
    response = HTMLResponse(html, status_code=status_code, headers={
        "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action "
                                   "'self'", "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin", "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})
    if "lang" in request.query_params:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def error_page(request: Request, err: PramaanError) -> Response:
    """A PramaanError no form caught, on a page: said in the page's language, with the code on
    the element, and a way back to the page the post came from (forms catch what they expect
    and show it in place, keeping what was typed)."""
    if isinstance(err, Unauthenticated):
        return RedirectResponse("/s" if request.url.path.startswith("/s") else "/p", 303)
    back = _page_of(request.url.path)
    return render(request, "error.html", status_code=err.http_status, error=err,
                  message=problem_text(err, language(request)), back=back, here=back)


def _page_of(path: str) -> str:
    """The page a form at ``path`` belongs to: ``/p/applications/7/answer`` → ``…/7``."""
    parts = path.rstrip("/").split("/")
    for end in range(len(parts), 1, -1):
        if parts[end - 1].isdigit():
            return "/".join(parts[:end])
    return "/s/queue" if path.startswith("/s") else "/p/applications"


def problem(request: Request, err: PramaanError) -> dict[str, str]:
    """What a form shows of ``err``: its code and a sentence in the page's language."""
    return {"code": err.code, "text": problem_text(err, language(request))}


def checked_email(email: str) -> str:
    """The address typed into a sign-in form, or ``InvalidData`` naming the field."""
    from pydantic import EmailStr, TypeAdapter, ValidationError

    try:
        return TypeAdapter(EmailStr).validate_python(email.strip())
    except ValidationError as err:
        raise InvalidData("this is not an e-mail address", field="email") from err


def csrf_token(state: IssuerState, session_token: str) -> str:
    key = state.settings.session_secrets[-1].get_secret_value().encode()
    return hmac.new(key, b"csrf\x00" + session_token.encode(), hashlib.sha256).hexdigest()[:32]


def check_csrf(state: IssuerState, session_token: str, given: str) -> None:
    if not hmac.compare_digest(csrf_token(state, session_token), given or ""):
        raise CsrfRejected("the form is stale or came from another site",
                           hint="reload the page and submit again")


def sign_in_page(request: Request, state: IssuerState, name: str, *, status_code: int = 200,
                 **context: Any) -> Response:
    """A page with a sign-in form: its ``csrf`` is bound to the browser's pre-session cookie,
    which is set here when the browser has none (or a malformed one)."""
    pre = request.cookies.get(PRE_SESSION_COOKIE, "")
    if not (pre.startswith(PRE_SESSION_PREFIX) and 20 <= len(pre) <= 64):
        pre = PRE_SESSION_PREFIX + secrets.token_urlsafe(24)
    response = render(request, name, status_code=status_code, csrf=csrf_token(state, pre),
                      **context)
    set_cookie(response, state, PRE_SESSION_COOKIE, pre, "strict")
    return response


def check_sign_in_csrf(request: Request, state: IssuerState, given: str) -> None:
    """A sign-in form post must carry the CSRF token of this browser's pre-session cookie."""
    pre = request.cookies.get(PRE_SESSION_COOKIE, "")
    if not pre.startswith(PRE_SESSION_PREFIX):
        raise CsrfRejected("the sign-in form came without this browser's sign-in cookie: it is "
                           "stale or came from another site",
                           hint="open the sign-in page again and submit it from there")
    check_csrf(state, pre, given)


def set_cookie(response: Response, state: IssuerState, name: str, value: str,
               samesite: str) -> None:
    secure = state.settings.cookie_secure
    if secure is None:
        secure = state.settings.public_base_url.startswith("https://")
    response.set_cookie(name, value, httponly=True, samesite=samesite,  # type: ignore[arg-type]
                        secure=secure, path="/")
