"""Parse DigiLocker's Pull URI / Pull Doc requests safely and tolerantly.

Safe: a size cap before parsing, and defusedxml with DTDs forbidden, so no external entity (XXE),
no entity expansion (billion laughs) and no DTD fetch can happen. Tolerant, as DigiLocker really
sends them (reference/digilocker.md §2): elements and attributes are matched by local name in any
namespace (``tempuri.org`` or ``digitallocker.gov.in/schema/...``), attribute names
case-insensitively (``keyhash``/``keyHash``), and text is stripped of the newlines and indentation
of pretty-printed bodies. Custom search parameters are kept generically, by element name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from schemas.errors import InputTooLarge, MalformedDigiLockerRequest

PULL_URI, PULL_DOC = "PullURIRequest", "PullDocRequest"
RESPONSE_OF = {PULL_URI: "PullURIResponse", PULL_DOC: "PullDocResponse"}


@dataclass(frozen=True)
class PullRequest:
    """A parsed request. Untrusted until ``issuer.digilocker.auth.authenticate`` accepted it."""

    kind: Literal["PullURIRequest", "PullDocRequest"]
    ver: str
    ts: str
    txn: str
    org_id: str
    keyhash: str
    format: str
    details: dict[str, str] = field(default_factory=dict)
    """``DocDetails`` children by local name (``DocType``, ``DOB``, ``RegistrationNo``, …)."""

    def detail(self, name: str) -> str | None:
        """A ``DocDetails`` value by element name, compared case-insensitively."""
        wanted = name.casefold()
        return next((v for k, v in self.details.items() if k.casefold() == wanted), None)


def parse_request(body: bytes, *, max_bytes: int) -> PullRequest:
    if len(body) > max_bytes:
        raise InputTooLarge(f"DigiLocker requests are limited to {max_bytes} bytes")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise MalformedDigiLockerRequest(
            "the request carries a DTD or entity declaration, which is not accepted") from err
    except ParseError as err:
        raise MalformedDigiLockerRequest(f"the request is not well-formed XML ({err})") from err
    kind = local(root.tag)
    if kind not in (PULL_URI, PULL_DOC):
        raise MalformedDigiLockerRequest(
            f"the root element is {kind!r}; expected {PULL_URI} or {PULL_DOC}")
    attrs = {local(k).casefold(): v.strip() for k, v in root.attrib.items()}
    details_element = next((c for c in root if local(c.tag) == "DocDetails"), None)
    details = {} if details_element is None else {
        local(child.tag): (child.text or "").strip() for child in details_element
        if len(child) == 0}
    return PullRequest(kind=kind,  # type: ignore[arg-type]
                       ver=attrs.get("ver", ""), ts=attrs.get("ts", ""),
                       txn=attrs.get("txn", ""), org_id=attrs.get("orgid", ""),
                       keyhash=attrs.get("keyhash", ""),
                       format=attrs.get("format", "").lower(), details=details)


def response_root_for(body: bytes) -> str:
    """The response root to answer a request that could not be parsed (best effort, no parse)."""
    return RESPONSE_OF[PULL_DOC] if PULL_DOC.encode() in body[:2048] else RESPONSE_OF[PULL_URI]


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]

