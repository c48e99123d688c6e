"""Build the XML DigiLocker expects back (Issuer API spec v1.13 §8.1.3; legacy Pull Doc, §6 of
reference/digilocker.md) and the certificate data as DigiLocker's ``Certificate`` XML (§9).

``ResponseStatus`` carries ``Status`` (1 found, 0 not found or refused, 9 pending) as attribute
and text, with ``ts`` and ``txn`` echoed as sent. ``DocContent`` is the Base64 PDF (formats
``pdf`` and ``both``); ``DataContent`` the Base64 certificate XML (formats ``xml`` and ``both``;
always on Pull URI, where v1.12 made it mandatory). The certificate XML carries the signed
vc+jwt in ``CertificateData``, so a DigiLocker copy can be verified like the PDF.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from issuer.registry.models import Professional
from schemas.credential import INDIA
from schemas.credential_view import CredentialView
from schemas.registry import Council

NAMESPACE = "http://tempuri.org/"
GENDER = {"M": "Male", "F": "Female", "O": "Other"}
STATE_CODE = {"active": "A", "expired": "E", "revoked": "R", "suspended": "S"}


@dataclass(frozen=True)
class Document:
    uri: str
    pdf: bytes | None
    data_xml: bytes | None
    person: Professional


def pull_response(root_name: str, *, status: int, ts: str, txn: str,
                  document: Document | None = None) -> bytes:
    root = Element(root_name, {"xmlns:ns2": NAMESPACE})
    response_status = SubElement(root, "ResponseStatus",
                                 {"Status": str(status), "ts": ts, "txn": txn})
    response_status.text = str(status)
    if document is not None:
        details = SubElement(root, "DocDetails")
        if root_name == "PullURIResponse":
            persons = SubElement(SubElement(details, "IssuedTo"), "Persons")
            SubElement(persons, "Person", _person_attrs(document.person))
            SubElement(details, "URI").text = document.uri
        if document.pdf is not None:
            SubElement(details, "DocContent").text = base64.b64encode(document.pdf).decode()
        if document.data_xml is not None:
            SubElement(details, "DataContent").text = base64.b64encode(
                document.data_xml).decode()
    return bytes(tostring(root, encoding="UTF-8", xml_declaration=True))


def certificate_xml(credential: Mapping[str, Any], *, token: str, doc_type: str, state: str,
                    title: str, council: Council, issuer_id: str, person: Professional,
                    certificate_number: str) -> bytes:
    view = CredentialView.from_payload(credential)
    subject = view.subject
    root = Element("Certificate", {
        "language": "99", "name": title, "type": doc_type, "number": certificate_number,
        "prevNumber": "", "issuedAt": "", "issueDate": _date(view.valid_from),
        "validFromDate": _date(view.valid_from), "expiryDate": _date(view.valid_until),
        "status": STATE_CODE.get(state, "A")})
    organisation = SubElement(SubElement(root, "IssuedBy"), "Organization", {
        "name": council.name, "code": issuer_id, "tin": "", "uid": "", "type": "SG"})
    SubElement(organisation, "Address", {"type": "official", "country": "IN"})
    SubElement(SubElement(root, "IssuedTo"), "Person", {
        "uid": "", "title": "", **_person_attrs(person), "email": "",
        "swd": person.father_name, "swdIndicator": "S",
        "gender": (person.gender or "")[:1].replace("O", "T")})
    data = SubElement(root, "CertificateData")
    SubElement(data, "Registration", {
        "number": subject.registration_number or "",
        "date": _date(subject.registration_date),
        "type": subject.registration_type or "",
        "council": subject.council or "", "profession": subject.profession or ""})
    SubElement(data, "VerifiableCredential", {"format": "vc+jwt", "id": view.id or ""}
               ).text = token
    return bytes(tostring(root, encoding="utf-8", xml_declaration=True))


def _person_attrs(person: Professional) -> dict[str, str]:
    return {"name": person.name,
            "dob": person.date_of_birth.strftime("%d-%m-%Y") if person.date_of_birth else "",
            "gender": GENDER.get(person.gender or "", ""), "phone": person.phone or ""}


def _date(value: date | None) -> str:
    """DD-MM-YYYY; a moment as its day in India."""
    if value is None:
        return ""
    day = value.astimezone(INDIA) if isinstance(value, datetime) else value
    return day.strftime("%d-%m-%Y")
