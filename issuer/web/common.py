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
from schemas.errors import CsrfRejected, PramaanError, Unauthenticated

APPLICANT_COOKIE, STAFF_COOKIE, LANG_COOKIE = "pramaan_applicant", "pramaan_staff", "lang"
PRE_SESSION_COOKIE, PRE_SESSION_PREFIX = "pramaan_pre", "pre_"
TEMPLATES = Path(__file__).parent / "templates"
Text = Annotated[str, Form(max_length=service.MAX_TEXT), CleanText]
Csrf = Annotated[str, Form(max_length=64), Clean]
SignInCsrf = Annotated[str, Form(max_length=64), Clean]
"""Defaults to "" on the sign-in forms, so a post without it is ``auth.csrf``, not a 400."""


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                       trim_blocks=True, lstrip_blocks=True)


def language(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "en"
    return wanted if wanted in LANGUAGES else "en"


def render(request: Request, name: str, *, status_code: int = 200, **context: Any) -> Response:
    lang = language(request)
    html = _environment().get_template(name).render(
        t=translator(lang), lang=lang, path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status_code, headers={
        "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action "
                                   "'self'", "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin", "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})
    if "lang" in request.query_params:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def error_page(request: Request, err: PramaanError) -> Response:
    """A PramaanError on a page: the same code and detail as the API, as HTML."""
    if isinstance(err, Unauthenticated):
        return RedirectResponse("/s" if request.url.path.startswith("/s") else "/p", 303)
    return render(request, "error.html", status_code=err.http_status, error=err)


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
