"""DigiLocker's Pull URI and legacy Pull Doc, played by scripts/digilocker_sim.py against the
issuer running over HTTP, judged as DigiLocker judges responses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from sqlalchemy.orm import Session

from issuer.credentials.models import IssuedCredential
from issuer.registry.models import Registration
from issuer.status import service as status
from scripts import digilocker_sim as sim
from tests.clock import NOW
from tests.issuer.digilocker.conftest import API_KEY, DL_ID, DOB, ISSUER_ID, NAME
from tests.pdfsig import pdfsig

Issue = Callable[..., IssuedCredential]
MakeRegistration = Callable[..., Registration]


def pull_uri(url: str, registration: Registration, *, name: str | None = NAME,
             dob: str | None = DOB, doc_type: str = "HMCRC", hmac_mode: sim.HmacMode = "hex",
             **options: Any) -> sim.Verdict:
    request = sim.pull_uri_request(
        api_key=API_KEY, org_id=options.pop("org_id", ISSUER_ID), doc_type=doc_type,
        params={"RegistrationNo": registration.registration_number}, digilocker_id=DL_ID,
        full_name=name, dob=dob, **options)
    response = sim.post(f"{url}/pull-uri", request, api_key=API_KEY, hmac_mode=hmac_mode)
    return sim.validate(response, request, kind="PullURIRequest", issuer_id=ISSUER_ID,
                        doc_type=doc_type, user_name=name, user_dob=dob)


def pull_doc(url: str, uri: str, *, fmt: str = "pdf", path: str = "/pull-doc",
             hmac_mode: sim.HmacMode = "raw") -> sim.Verdict:
    request = sim.pull_doc_request(api_key=API_KEY, org_id=ISSUER_ID, uri=uri,
                                   digilocker_id=DL_ID, fmt=fmt, pretty=True)
    response = sim.post(f"{url}{path}", request, api_key=API_KEY, hmac_mode=hmac_mode)
    return sim.validate(response, request, kind="PullDocRequest", issuer_id=ISSUER_ID)


@pytest.mark.parametrize(("hmac_mode", "pretty", "namespace", "fmt"), [
    ("hex", False, sim.TEMPURI, "both"),
    ("raw", True, sim.DIGILOCKER_NS, "pdf"),
    ("hex", True, sim.TEMPURI, "xml"),
    ("raw", False, sim.DIGILOCKER_NS, ""),
])
def test_pull_uri_returns_the_certificate(issuer_url: str, make_registration: MakeRegistration,
                                          issue: Issue, hmac_mode: sim.HmacMode, pretty: bool,
                                          namespace: str, fmt: str, tmp_path: Path) -> None:
    registration = make_registration()
    row = issue(registration)
    verdict = pull_uri(issuer_url, registration, hmac_mode=hmac_mode, pretty=pretty,
                       namespace=namespace, fmt=fmt)
    assert (verdict.outcome, verdict.status, verdict.problems) == ("ok", 1, [])
    assert verdict.uri == f"{ISSUER_ID}-HMCRC-{row.certificate_number.replace('-', '')}"
    assert verdict.persons[0]["name"] == NAME and verdict.persons[0]["dob"] == DOB
    assert (verdict.pdf is not None) == (fmt in ("pdf", "both", ""))
    if verdict.pdf is not None:  # DocContent is the council-signed PDF
        report = pdfsig(verdict.pdf, tmp_path)
        assert "Signature is Valid." in report and "Total document signed" in report
    assert verdict.data_xml is not None  # mandatory on Pull URI since v1.12
    certificate = fromstring(verdict.data_xml)
    assert certificate.get("number") == row.certificate_number
    assert certificate.get("type") == "HMCRC" and certificate.get("status") == "A"
    assert certificate.find("CertificateData/VerifiableCredential").text == row.token


@pytest.mark.parametrize("name", ["venkata lakshmi narasimha rao  BHAGAVATULA",
                                  "V. L. N. R. Bhagavatula",
                                  "Dr. V. L. N. R. Bhagavatula",
                                  "Venkata Lakshmi Narasimha Rao Bhagavatula",  # docs' example
                                  "Shri Venkata Lakshmi Narasimha Rao Bhagavatula"])
def test_names_match_after_normalisation(issuer_url: str, make_registration: MakeRegistration,
                                         issue: Issue, name: str) -> None:
    registration = make_registration()
    issue(registration)
    verdict = pull_uri(issuer_url, registration, name=name)  # the simulator checks the Person
    assert (verdict.outcome, verdict.problems) == ("ok", [])


@pytest.mark.parametrize(("name", "dob"), [("Asha Rani", DOB), (NAME, "28-02-1988"),
                                           ("V. Bhagavatula", DOB), (None, DOB), (NAME, None)])
def test_a_person_who_does_not_match_is_not_found(
        issuer_url: str, make_registration: MakeRegistration, issue: Issue, name: str | None,
        dob: str | None) -> None:
    registration = make_registration()
    issue(registration)
    verdict = pull_uri(issuer_url, registration, name=name, dob=dob)
    assert (verdict.outcome, verdict.status, verdict.pdf) == ("record_not_found", 0, None)


def test_registered_but_not_yet_issued_is_pending(
        issuer_url: str, make_registration: MakeRegistration) -> None:
    verdict = pull_uri(issuer_url, make_registration())
    assert (verdict.outcome, verdict.status) == ("pull_response_pending", 9)


def test_unknown_doc_type_or_registration_is_not_found(
        issuer_url: str, make_registration: MakeRegistration, issue: Issue) -> None:
    registration = make_registration()
    issue(registration)
    assert pull_uri(issuer_url, registration, doc_type="INCER").status == 0
    assert pull_uri(issuer_url, registration, doc_type="HMCGS").status == 9  # none issued
    other = make_registration()
    unregistered = Registration(registration_number="HMC/1999/0000000")
    assert pull_uri(issuer_url, unregistered).status == 0
    assert pull_uri(issuer_url, other).status == 9


def test_revoked_and_suspended_certificates_are_not_served(
        session: Session, issuer_url: str, make_registration: MakeRegistration,
        issue: Issue) -> None:
    registration = make_registration()
    row = issue(registration)
    status.suspend(session, row, reason="court_order", actor="test", now=NOW)
    session.commit()
    assert pull_uri(issuer_url, registration).outcome == "record_not_found"
    status.reinstate(session, row, actor="test", now=NOW + timedelta(minutes=1))
    session.commit()
    assert pull_uri(issuer_url, registration).outcome == "ok"
    status.revoke(session, row, reason="disciplinary_action", actor="test",
                  now=NOW + timedelta(minutes=2))
    session.commit()
    verdict = pull_uri(issuer_url, registration)
    assert (verdict.outcome, verdict.status) == ("record_not_found", 0)
    assert pull_doc(issuer_url, f"{ISSUER_ID}-HMCRC-{row.certificate_number.replace('-', '')}"
                    ).status == 0


def test_a_reissued_certificate_serves_the_replacement(
        session: Session, issuer_url: str, make_registration: MakeRegistration,
        issue: Issue) -> None:
    registration = make_registration()
    old = issue(registration)
    new = issue(registration)
    status.revoke(session, old, reason="superseded", actor="test", now=NOW, replaced_by=new)
    session.commit()
    verdict = pull_uri(issuer_url, registration)
    assert verdict.uri is not None and verdict.uri.endswith(new.certificate_number.replace("-", ""))


@pytest.mark.parametrize("fmt", ["pdf", "xml", "both"])
def test_legacy_pull_doc_serves_a_uri_from_pull_uri(
        issuer_url: str, make_registration: MakeRegistration, issue: Issue, fmt: str) -> None:
    registration = make_registration()
    issue(registration)
    uri = pull_uri(issuer_url, registration).uri
    assert uri is not None
    verdict = pull_doc(issuer_url, uri, fmt=fmt)
    assert (verdict.outcome, verdict.problems) == ("ok", [])
    assert (verdict.pdf is not None) == (fmt in ("pdf", "both"))
    assert (verdict.data_xml is not None) == (fmt in ("xml", "both"))
    assert pull_doc(issuer_url, uri, path="").outcome == "ok"  # one URL, by root element


@pytest.mark.parametrize("uri", [f"{ISSUER_ID}-HMCRC-HMCRC00000000", "in.gov.other-HMCRC-X1",
                                 f"{ISSUER_ID}-INCER-HMCRC00000000", "garbage", ""])
def test_pull_doc_of_a_uri_not_ours_is_not_found(issuer_url: str, uri: str) -> None:
    assert pull_doc(issuer_url, uri).outcome == "record_not_found"


def _refusal(response: httpx.Response) -> tuple[int, str, str | None]:
    root = fromstring(response.content)
    return (response.status_code, response.headers.get("x-pramaan-error", ""),
            root.find("ResponseStatus").get("Status"))


@pytest.mark.parametrize("hmac_mode", ["wrong", "none"])
def test_a_bad_or_missing_hmac_is_refused(issuer_url: str, make_registration: MakeRegistration,
                                          hmac_mode: sim.HmacMode) -> None:
    request = sim.pull_uri_request(api_key=API_KEY, org_id=ISSUER_ID, doc_type="HMCRC",
                                   params={"RegistrationNo": "x"}, digilocker_id=DL_ID)
    response = sim.post(f"{issuer_url}/pull-uri", request, api_key=API_KEY, hmac_mode=hmac_mode)
    assert _refusal(response) == (401, "digilocker.unauthenticated", "0")


def test_bad_keyhash_wrong_org_and_wrong_key_look_the_same(issuer_url: str) -> None:
    def attempt(**kwargs: Any) -> httpx.Response:
        key = kwargs.pop("key", API_KEY)
        request = sim.pull_uri_request(api_key=key, doc_type="HMCRC", digilocker_id=DL_ID,
                                       params={"RegistrationNo": "x"},
                                       **({"org_id": ISSUER_ID} | kwargs))
        return sim.post(f"{issuer_url}/pull-uri", request, api_key=key)

    answers = [attempt(wrong_keyhash=True), attempt(org_id="in.gov.other"),
               attempt(key="another-api-key")]
    assert {_refusal(a) for a in answers} == {(401, "digilocker.unauthenticated", "0")}
    assert len({a.content for a in answers}) == 1  # nothing tells which part failed


def test_the_body_is_authenticated_byte_for_byte(issuer_url: str) -> None:
    request = sim.pull_uri_request(api_key=API_KEY, org_id=ISSUER_ID, doc_type="HMCRC",
                                   params={"RegistrationNo": "x"}, digilocker_id=DL_ID)
    signature = sim.sign(request.body, API_KEY)
    assert signature is not None
    response = httpx.post(f"{issuer_url}/pull-uri", content=request.body + b"\n",
                          headers={"Content-Type": "application/xml",
                                   "X-Digilocker-Hmac": signature})
    assert response.status_code == 401


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE PullURIRequest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<PullURIRequest ver="3.0" ts="t" txn="1" orgId="o" keyhash="k" format="pdf">
<DocDetails><DocType>&xxe;</DocType></DocDetails></PullURIRequest>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<PullURIRequest><DocDetails><DocType>&lol3;</DocType></DocDetails></PullURIRequest>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE PullURIRequest SYSTEM "http://127.0.0.1:9/evil.dtd"><PullURIRequest/>"""


@pytest.mark.parametrize(("body", "http_status", "code"), [
    (XXE, 400, "digilocker.malformed"), (LAUGHS, 400, "digilocker.malformed"),
    (EXTERNAL_DTD, 400, "digilocker.malformed"), (b"<PullURIRequest>", 400,
                                                  "digilocker.malformed"),
    (b"not xml at all", 400, "digilocker.malformed"),
    (b"<Other/>", 400, "digilocker.malformed"),
    (b"<PullURIRequest>" + b" " * 70_000 + b"</PullURIRequest>", 413, "request.too_large"),
])
def test_hostile_xml_is_refused_safely(issuer_url: str, body: bytes, http_status: int,
                                       code: str) -> None:
    response = sim.post(f"{issuer_url}/pull-uri", body, api_key=API_KEY)  # validly signed
    assert _refusal(response) == (http_status, code, "0")
    assert b"root:" not in response.content and b"lollol" not in response.content


def test_a_successful_pull_records_the_digilocker_id(
        session: Session, issuer_url: str, make_registration: MakeRegistration,
        issue: Issue) -> None:
    registration = make_registration(professional={"digilocker_id": None})
    issue(registration)
    assert pull_uri(issuer_url, registration).outcome == "ok"
    session.expire_all()
    assert session.get_one(Registration, registration.id).professional.digilocker_id == DL_ID
