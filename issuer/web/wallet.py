"""The professional's certificates on ``/p``, and the offline copy they keep on their phone.

``/p/certificates`` lists a signed-in professional's certificates with their state now, each with
a "Save to this device" button (``static/wallet/save.js``) that stores its details, QR code and PDF
in the browser's Cache Storage. ``/p/wallet`` is a page without any personal data in it: its
script (``static/wallet/wallet.js``) shows what this device saved, offline too, through a service
worker scoped to ``/p/wallet`` that serves only that page, its files and the saved items, never
another page. Every personal answer is ``no-store``; signing out clears the site's caches and
storage (``Clear-Site-Data`` on ``/p/sign-out``, ``pages.py``).
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from issuer.applicants import certificates
from issuer.applicants import service as applicants
from issuer.applicants.service import Applicant
from issuer.credentials.api import certificate_response
from issuer.delivery.qr import qr_image
from issuer.deps import NowDep, SessionDep, StateDep
from issuer.web.common import APPLICANT_COOKIE, csrf_token, language, render
from schemas.errors import NotFound

STATIC = Path(__file__).parent / "static" / "wallet"
NO_STORE = {"Cache-Control": "no-store"}
FILES = {"wallet.js": "text/javascript; charset=utf-8",
         "save.js": "text/javascript; charset=utf-8"}
SIGN_OUT_CLEARS = '"cache", "storage"'
"""``Clear-Site-Data`` on sign-out: the saved certificates and the service worker go with the
session (cookies are left: the language choice is one)."""
WORDS = {
    "my_certificates": ("My certificates", "मेरे प्रमाणपत्र"),
    "none": ("No certificate has been issued to you yet.",
             "आपको अभी तक कोई प्रमाणपत्र जारी नहीं हुआ है।"),
    "save": ("Save to this device", "इस उपकरण पर सहेजें"),
    "saved_on_device": ("Saved on this device", "इस उपकरण पर सहेजे गए"),
    "valid_until": ("Valid until", "तक वैध"),
    "active": ("Valid", "वैध"), "suspended": ("Suspended", "निलंबित"),
    "revoked": ("Revoked", "रद्द"), "expired": ("Expired", "समाप्त"),
    "hint": (("Saved certificates open on this phone with no network: show the QR code to the "
             "hospital, or open the PDF. Signing out removes them from this device."),
             ("सहेजे गए प्रमाणपत्र इस फ़ोन पर बिना नेटवर्क के खुलते हैं: अस्पताल को QR कोड "
             "दिखाएँ, या PDF खोलें। साइन आउट करने पर वे इस उपकरण से हट जाते हैं।")),
}

router = APIRouter(include_in_schema=False)


def _words(lang: str) -> dict[str, str]:
    index = 1 if lang == "hi" else 0
    return {key: pair[index] for key, pair in WORDS.items()}


def _applicant(request: Request, session: Session, now: datetime) -> Applicant:
    return applicants.authenticate(session, request.cookies.get(APPLICANT_COOKIE), now=now)


@router.get("/p/certificates")
def my_certificates(request: Request, session: SessionDep, state: StateDep,
                    now: NowDep) -> Response:
    applicant = _applicant(request, session, now)
    own = certificates.list_own(session, applicant, registry=state.registry, now=now)
    return render(request, "p_certificates.html", applicant=applicant, certificates=own,
                  csrf=csrf_token(state, request.cookies[APPLICANT_COOKIE]),
                  w=_words(language(request)))


@router.get("/p/certificates/{number}/saved")
def saved(number: str, request: Request, session: SessionDep, state: StateDep,
          now: NowDep) -> Response:
    row = certificates.get_own(session, _applicant(request, session, now), number)
    return JSONResponse(certificates.saved_record(row, registry=state.registry,
                                                  page_url=state.settings.verify_page_url,
                                                  now=now), headers=NO_STORE)


@router.get("/p/certificates/{number}/qr.png")
def qr(number: str, request: Request, session: SessionDep, state: StateDep,
       now: NowDep) -> Response:
    row = certificates.get_own(session, _applicant(request, session, now), number)
    record = certificates.saved_record(row, registry=state.registry,
                                       page_url=state.settings.verify_page_url, now=now)
    out = io.BytesIO()
    qr_image(record["qrText"]).save(out, format="PNG")
    return Response(out.getvalue(), media_type="image/png", headers=NO_STORE)


@router.get("/p/certificates/{number}/certificate.pdf")
def pdf(number: str, request: Request, session: SessionDep, state: StateDep,
        now: NowDep) -> Response:
    row = certificates.get_own(session, _applicant(request, session, now), number)
    response = certificate_response(row, state, "pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/p/wallet")
def wallet_page(request: Request) -> Response:
    """The same page for everyone: what it shows comes from this device's own storage."""
    response = render(request, "p_wallet.html", w=_words(language(request)))
    response.headers["Cache-Control"] = "no-cache"
    return response


@router.get("/p/wallet/sw.js")
def wallet_worker() -> Response:
    return Response((STATIC / "sw.js").read_bytes(), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/p/wallet"})


@router.get("/p/wallet/{name}")
def wallet_file(name: str) -> Response:
    media_type = FILES.get(name)
    if media_type is None:
        raise NotFound(f"the wallet has no file {name!r}")
    return Response((STATIC / name).read_bytes(), media_type=media_type,
                    headers={"Cache-Control": "no-cache"})
