#!/usr/bin/env python3
"""DigiLocker's side of the issuer API, played faithfully, to test an issuer over HTTP.

Builds Pull URI (v1.13) and legacy Pull Doc requests the way DigiLocker sends them (fresh IST
``ts``, numeric ``txn``, ``keyhash``, an explicit ``format``; optionally pretty-printed with
whitespace inside elements and the ``digitallocker.gov.in`` namespace instead of ``tempuri.org``),
signs the exact bytes sent with ``x-digilocker-hmac`` (Base64 of the hex digest by default, as
DigiLocker's test interface does; Base64 of the raw digest on request), and validates the answer
as DigiLocker would: well-formed XML, the right root, ``Status`` in {0, 1, 9}, the echoed ``txn``,
on success a ``URI`` of the form ``IssuerId-DocType-DocId``, ``DocContent`` a PDF for formats pdf
and both, ``DataContent`` a ``Certificate`` XML with ``IssuedBy``/``IssuedTo``, and a ``Person``
matching the user's KYC name and date of birth. Outcomes map to DigiLocker's error names
(``record_not_found``, ``pull_response_pending``, ``repository_service_resperror``).

It also plays DigiLocker's Push URI endpoint (``push_receiver``), checking each push's hmac.
Independent of the issuer's code on purpose: it only shares the spec (reference/digilocker.md),
and the one rule of ours the spec leaves open, how a Person's name and date of birth match the
user's KYC (docs/digilocker.md: honorifics dropped, initials), taken from
``issuer.digilocker.matching`` so the two cannot drift apart.

    scripts/digilocker_sim.py pull-uri --url http://127.0.0.1:8000/digilocker/pull-uri \\
        --api-key KEY --org-id in.gov.haryana.health --doc-type HMCRC \\
        --param RegistrationNo=HMC/2016/0045217 --name "Venkata ... Bhagavatula" --dob 29-02-1988
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import re
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal
from xml.etree.ElementTree import Element, ParseError, SubElement, indent, tostring

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from fastapi import FastAPI
from fastapi import Request as HttpRequest
from fastapi.responses import JSONResponse

from issuer.digilocker.matching import names_match, parse_dob

TEMPURI = "http://tempuri.org/"
DIGILOCKER_NS = "https://www.digitallocker.gov.in/schema/issuer/v1/pullurirequest"
IST = timezone(timedelta(hours=5, minutes=30))
HmacMode = Literal["hex", "raw", "none", "wrong"]

OK, NOT_FOUND, PENDING = "ok", "record_not_found", "pull_response_pending"
RESPERROR, INVALID = "repository_service_resperror", "invalid_response_from_issuer"


# -- building and signing requests --------------------------------------------------------------
def ist_now() -> str:
    return datetime.now(IST).replace(microsecond=0).isoformat()


def new_txn() -> str:
    return str(secrets.randbelow(9 * 10**9) + 10**9)


def keyhash(api_key: str, ts: str) -> str:
    return hashlib.sha256((api_key + ts).encode()).hexdigest()


def sign(body: bytes, api_key: str, mode: HmacMode = "hex") -> str | None:
    digest = hmac.new(api_key.encode(), body, hashlib.sha256)
    if mode == "none":
        return None
    if mode == "raw":
        return base64.b64encode(digest.digest()).decode()
    value = base64.b64encode(digest.hexdigest().encode()).decode()
    return value if mode == "hex" else value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB")


@dataclass
class SimRequest:
    body: bytes
    txn: str
    ts: str
    format: str


def pull_uri_request(*, api_key: str, org_id: str, doc_type: str, params: dict[str, str],
                     digilocker_id: str, full_name: str | None = None, dob: str | None = None,
                     fmt: str = "both", pretty: bool = False, namespace: str = TEMPURI,
                     ver: str = "3.0", ts: str | None = None, wrong_keyhash: bool = False
                     ) -> SimRequest:
    """A Pull URI request body. ``pretty`` reproduces the captured quirk of newlines and
    indentation *inside* element text."""
    details = {"DocType": doc_type, "DigiLockerId": digilocker_id}
    if full_name is not None:
        details["FullName"] = full_name
    if dob is not None:
        details["DOB"] = dob
    return _request("PullURIRequest", details | params, api_key=api_key, org_id=org_id,
                    fmt=fmt, pretty=pretty, namespace=namespace, ver=ver, ts=ts,
                    wrong_keyhash=wrong_keyhash)


def pull_doc_request(*, api_key: str, org_id: str, uri: str, digilocker_id: str,
                     fmt: str = "pdf", pretty: bool = False, ts: str | None = None,
                     wrong_keyhash: bool = False) -> SimRequest:
    return _request("PullDocRequest", {"URI": uri, "DigiLockerId": digilocker_id},
                    api_key=api_key, org_id=org_id, fmt=fmt, pretty=pretty,
                    namespace=TEMPURI, ver="1.0", ts=ts, wrong_keyhash=wrong_keyhash,
                    prefixed=True)


def _request(root_name: str, details: dict[str, str], *, api_key: str, org_id: str, fmt: str,
             pretty: bool, namespace: str, ver: str, ts: str | None, wrong_keyhash: bool,
             prefixed: bool = False) -> SimRequest:
    ts = ts or ist_now()
    txn = new_txn()
    attrs = {"xmlns:ns2" if prefixed else "xmlns": namespace, "ver": ver, "ts": ts, "txn": txn,
             "orgId": org_id, "keyhash": keyhash(api_key + ("x" if wrong_keyhash else ""), ts)}
    if fmt:
        attrs["format"] = fmt
    root = Element(root_name, attrs)
    doc = SubElement(root, "DocDetails")
    for name, value in details.items():
        SubElement(doc, name).text = f"\n      {value}\n    " if pretty else value
    if pretty:
        indent(root, "  ")
    body = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + tostring(root)
    return SimRequest(body=body, txn=txn, ts=ts, format=fmt)


def post(url: str, request: SimRequest | bytes, *, api_key: str, hmac_mode: HmacMode = "hex",
         client: httpx.Client | None = None) -> httpx.Response:
    body = request.body if isinstance(request, SimRequest) else request
    headers = {"Content-Type": "application/xml"}
    signature = sign(body, api_key, hmac_mode)
    if signature is not None:
        headers["x-digilocker-hmac"] = signature
    if client is not None:
        return client.post(url, content=body, headers=headers)
    return httpx.post(url, content=body, headers=headers, timeout=30)


# -- validating the issuer's answer -------------------------------------------------------------
@dataclass
class Verdict:
    outcome: str
    http_status: int
    status: int | None = None
    uri: str | None = None
    pdf: bytes | None = None
    data_xml: bytes | None = None
    persons: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def validate(response: httpx.Response, request: SimRequest, *, kind: str, issuer_id: str,
             doc_type: str | None = None, user_name: str | None = None,
             user_dob: str | None = None) -> Verdict:
    """Judge a response as DigiLocker does (reference/digilocker.md §13)."""
    verdict = Verdict(outcome=RESPERROR, http_status=response.status_code)
    if response.status_code != 200:
        verdict.problems.append(f"HTTP {response.status_code}")
        return verdict
    try:
        root = fromstring(response.content, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as err:
        verdict.problems.append(f"not XML: {err}")
        return verdict
    expected_root = {"PullURIRequest": "PullURIResponse", "PullDocRequest": "PullDocResponse"}
    if _local(root.tag) != expected_root[kind]:
        verdict.problems.append(f"root {_local(root.tag)}, expected {expected_root[kind]}")
        return verdict
    status_el = _child(root, "ResponseStatus")
    status = None if status_el is None else (status_el.get("Status") or status_el.get("status"))
    if status not in ("0", "1", "9"):
        verdict.problems.append(f"ResponseStatus Status={status!r}")
        return verdict
    assert status_el is not None
    verdict.status = int(status)
    if status_el.get("txn") != request.txn:
        verdict.problems.append("txn not echoed")
    if verdict.status != 1:
        verdict.outcome = PENDING if verdict.status == 9 else NOT_FOUND
        return verdict
    _check_document(verdict, _child(root, "DocDetails"), request, kind=kind,
                    issuer_id=issuer_id, doc_type=doc_type, user_name=user_name,
                    user_dob=user_dob)
    verdict.outcome = OK if not verdict.problems else INVALID
    return verdict


def _check_document(verdict: Verdict, details: Element | None, request: SimRequest, *, kind: str,
                    issuer_id: str, doc_type: str | None, user_name: str | None,
                    user_dob: str | None) -> None:
    if details is None:
        verdict.problems.append("Status 1 without DocDetails")
        return
    if kind == "PullURIRequest":
        verdict.uri = _text(details, "URI")
        pattern = rf"^{re.escape(issuer_id)}-{re.escape(doc_type or '')}-[A-Za-z0-9]+$"
        if not verdict.uri or not re.match(pattern, verdict.uri, re.IGNORECASE):
            verdict.problems.append(f"URI {verdict.uri!r} is not {issuer_id}-DocType-DocId")
        persons = details.find(".//{*}Persons") or details.find(".//Persons")
        verdict.persons = [dict(p.attrib) for p in (persons if persons is not None else [])
                           if _local(p.tag) == "Person"]
        if not verdict.persons:
            verdict.problems.append("no IssuedTo/Persons/Person")
        elif (user_name or user_dob) and not any(
                (user_name is None or names_match(user_name, p.get("name", ""))) and
                (user_dob is None or parse_dob(p.get("dob")) == parse_dob(user_dob))
                for p in verdict.persons):
            verdict.problems.append("no Person matches the user's KYC name and date of birth")
    doc_content = _text(details, "DocContent")
    if request.format in ("pdf", "both", ""):
        verdict.pdf = _b64(doc_content)
        if not verdict.pdf or not verdict.pdf.startswith(b"%PDF"):
            verdict.problems.append("DocContent is not a Base64 PDF")
    data_content = _text(details, "DataContent")
    if kind == "PullURIRequest" or request.format in ("xml", "both"):
        verdict.data_xml = _b64(data_content)
        if verdict.data_xml is None:
            verdict.problems.append("DataContent missing (mandatory since v1.12)")
            return
        try:
            certificate = fromstring(verdict.data_xml, forbid_dtd=True)
        except (ParseError, DefusedXmlException):
            verdict.problems.append("DataContent is not XML")
            return
        if _local(certificate.tag) != "Certificate" or _child(certificate, "IssuedBy") is None \
                or _child(certificate, "IssuedTo") is None:
            verdict.problems.append("DataContent is not a Certificate with IssuedBy/IssuedTo")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _text(element: Element, name: str) -> str | None:
    child = _child(element, name)
    return None if child is None or child.text is None else child.text.strip()


def _b64(text: str | None) -> bytes | None:
    if not text:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return None


# -- DigiLocker's Push URI endpoint -------------------------------------------------------------
PUSH_FIELDS = ("clientid", "digilockerid", "uri", "doctype", "description", "docid",
               "issuedate", "validfrom", "validto", "action", "ts")


def push_receiver(client_id: str, client_secret: str, *,
                  clock: Callable[[], float] = time.time
                  ) -> tuple[FastAPI, list[dict[str, str]]]:
    """A FastAPI app playing ``POST /public/account/1/pushuri``, and the list of accepted pushes.
    Checks the client id, every field, the action, ``ts`` (≤ 30 minutes old) and the hmac."""
    app = FastAPI()
    accepted: list[dict[str, str]] = []

    @app.post("/public/account/1/pushuri")
    async def push(request: HttpRequest) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if form.get("clientid") != client_id:
            return JSONResponse({"error": "invalid_client_id"}, status_code=401)
        missing = [f for f in PUSH_FIELDS if f not in form]
        expected = hashlib.sha256((client_secret + "".join(form.get(f, "") for f in PUSH_FIELDS)
                                   ).encode()).hexdigest()
        problem = (f"missing {missing}" if missing else
                   "invalid Action" if form["action"] not in ("A", "U", "D") else
                   "invalid Timestamp" if abs(clock() - int(form["ts"])) > 1800 else
                   "invalid HMAC" if not hmac.compare_digest(expected, form.get("hmac", ""))
                   else None)
        if problem:
            return JSONResponse({"error": "invalid_parameter", "error_description": problem},
                                status_code=400)
        accepted.append(form)
        return JSONResponse({"status": "success"})

    return app, accepted


# -- command line -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("pull-uri", "pull-doc"):
        p = sub.add_parser(name)
        p.add_argument("--url", required=True)
        p.add_argument("--api-key", required=True)
        p.add_argument("--org-id", required=True)
        p.add_argument("--digilocker-id", default="123e4567-e89b-12d3-a456-426655440000")
        p.add_argument("--format", default="both", choices=["pdf", "xml", "both", ""])
        p.add_argument("--hmac", default="hex", choices=["hex", "raw", "none", "wrong"])
        p.add_argument("--pretty", action="store_true")
        if name == "pull-uri":
            p.add_argument("--doc-type", required=True)
            p.add_argument("--param", action="append", default=[], help="Name=value")
            p.add_argument("--name")
            p.add_argument("--dob", help="DD-MM-YYYY")
            p.add_argument("--namespace", choices=["tempuri", "digilocker"], default="tempuri")
        else:
            p.add_argument("--uri", required=True)
    p = sub.add_parser("push-receiver", help="serve DigiLocker's Push URI endpoint")
    p.add_argument("--client-id", required=True)
    p.add_argument("--client-secret", required=True)
    p.add_argument("--port", type=int, default=8090)
    args = parser.parse_args(argv)
    if args.command == "push-receiver":
        import uvicorn

        app, _ = push_receiver(args.client_id, args.client_secret)
        uvicorn.run(app, host="127.0.0.1", port=args.port)
        return 0
    if args.command == "pull-uri":
        params = dict(p.split("=", 1) for p in args.param)
        request = pull_uri_request(
            api_key=args.api_key, org_id=args.org_id, doc_type=args.doc_type, params=params,
            digilocker_id=args.digilocker_id, full_name=args.name, dob=args.dob,
            fmt=args.format, pretty=args.pretty,
            namespace=DIGILOCKER_NS if args.namespace == "digilocker" else TEMPURI)
        kind, doc_type = "PullURIRequest", args.doc_type
    else:
        request = pull_doc_request(api_key=args.api_key, org_id=args.org_id, uri=args.uri,
                                   digilocker_id=args.digilocker_id, fmt=args.format,
                                   pretty=args.pretty)
        kind, doc_type = "PullDocRequest", None
    response = post(args.url, request, api_key=args.api_key, hmac_mode=args.hmac)
    verdict = validate(response, request, kind=kind, issuer_id=args.org_id, doc_type=doc_type,
                       user_name=getattr(args, "name", None), user_dob=getattr(args, "dob", None))
    print(f"{verdict.outcome}: HTTP {verdict.http_status}, Status {verdict.status}, "
          f"URI {verdict.uri}, PDF {len(verdict.pdf or b'')} bytes, "
          f"data {len(verdict.data_xml or b'')} bytes")
    for problem in verdict.problems:
        print(f"  problem: {problem}")
    return 0 if verdict.outcome in (OK, NOT_FOUND, PENDING) and not verdict.problems else 1


if __name__ == "__main__":
    sys.exit(main())
