"""Look a certificate up by what is printed on it: its number or its short verification URL.

A clerk holding a crumpled printout whose QR code will not scan can still type
``HMC-GS-3TXE-5408`` or ``https://pramaan.hr.gov.in/c/HMC-GS-3TXE-5408``. The number's prefix
names the council (``registration_prefix`` in the registry, published data); the council's
issuer is the *trusted* entry that covers it (configuration or the anchor's signed list), and the
credential is fetched from that issuer's public ``/c/{number}``. The host of a typed URL is never
used: only its number is read, so a look-alike address cannot make the verifier fetch from it.
The fetched token is then verified like any other; nothing here vouches for it.

Numbers are Crockford base32 after the two prefixes, so the slips people make reading them aloud
or typing them are undone before the lookup: ``O`` is ``0`` and ``I``/``L`` are ``1``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

import httpx

from keys.signing import MAX_TOKEN_LENGTH
from schemas.credential import credential_url
from schemas.errors import (
    CertificateNotFound,
    MalformedCertificateNumber,
    PramaanError,
    UpstreamUnavailable,
)
from schemas.registry import Council, Registry
from verifier.fetch import ErrorClass, read_capped
from verifier.settings import TrustedIssuer, is_fetchable
from verifier.trust import TrustStore
from verifier.trust_list import ListedTrustStore

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SLIPS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_DASHES = re.compile(r"[\s\u2010-\u2015\u2212_.]+|-+")
_NUMBER = re.compile(r"([A-Z]{2,8})-?([A-Z]{2})-?([0-9A-Z]{4})-?([0-9A-Z]{4})")
MAX_NUMBER_TEXT = 2048
"""A typed number or URL is short; anything longer is not one."""
HINT = "type the certificate number as printed under the QR code, e.g. HMC-GS-3TXE-5408"


@dataclass(frozen=True)
class CertificateNumber:
    prefix: str
    """The council's registration prefix (``HMC``)."""
    type_code: str
    code: str
    """The eight random characters, normalised to Crockford base32."""

    def __str__(self) -> str:
        return f"{self.prefix}-{self.type_code}-{self.code[:4]}-{self.code[4:]}"


def parse_number(text: str) -> CertificateNumber:
    """The certificate number in ``text`` (a number as printed, or a URL ending ``/c/NUMBER``),
    normalised: upper case, dashes restored, O read as 0 and I/L as 1 in the random part."""
    if len(text) > MAX_NUMBER_TEXT:
        raise MalformedCertificateNumber("the text is too long to be a certificate number",
                                         hint=HINT)
    candidate = _number_part(text.strip())
    match = _NUMBER.fullmatch(_DASHES.sub("-", candidate.upper()).strip("-"))
    if match is None:
        raise MalformedCertificateNumber("the text is neither a certificate number such as "
                                         "HMC-GS-3TXE-5408 nor a verification URL ending in "
                                         "one", hint=HINT)
    prefix, type_code, first, second = match.groups()
    code = (first + second).translate(_SLIPS)
    if any(ch not in CROCKFORD for ch in code):
        raise CertificateNotFound(f"{prefix}-{type_code}-{first}-{second} cannot be a "
                                  "certificate number: U is never used in one", hint=HINT)
    return CertificateNumber(prefix, type_code, code)


def _number_part(text: str) -> str:
    """The last path segment after ``/c/`` of a URL, else the text itself."""
    if "/c/" not in text:
        return text
    path = urlsplit(text if "://" in text else f"https://{text.lstrip('/')}").path
    return unquote(path.rsplit("/c/", 1)[1]).strip("/")


class Lookup:
    """Fetches a certificate's token by number from the trusted issuer of its council."""

    def __init__(self, trust: TrustStore, registry: Registry, *, timeout: float = 5.0,
                 offline: bool = False) -> None:
        self.trust = trust
        self.registry = registry
        self.offline = offline
        self._http = httpx.Client(timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def token(self, text: str, *, now: datetime) -> str:
        """The compact token the council publishes for the number in ``text``; blocking I/O."""
        number = parse_number(text)
        url = self.url_of(number, now=now)
        body = read_capped(self._http, url, max_bytes=MAX_TOKEN_LENGTH,
                           what=f"certificate {number}", error=UpstreamUnavailable,
                           not_found=_not_found(number), accept="application/vc+jwt",
                           hint="try again in a few minutes; nothing was judged")
        return body.decode("ascii", "replace").strip()

    def url_of(self, number: CertificateNumber, *, now: datetime) -> str:
        """Where the council of ``number``'s prefix publishes it, from trusted entries only."""
        council = _council(self.registry, number)
        if self.offline:
            raise UpstreamUnavailable("this verifier is offline: a certificate number can only "
                                      "be looked up online", hint="scan the QR code or upload "
                                      "the PDF instead")
        for entry in _entries(self.trust, now):
            base = public_base(entry, council)
            if base is not None and is_fetchable(base):
                return credential_url(base, str(number))
        raise CertificateNotFound(f"no issuer this verifier trusts publishes certificates of "
                                  f"{council.name} ({number.prefix})", hint=HINT)


def public_base(entry: TrustedIssuer, council: Council) -> str | None:
    """The public address under which ``entry`` publishes ``council``'s certificates: the entry
    itself when it covers a whole issuer, its stem when it names this council alone
    (``…/councils/hmc``); ``None`` when it names another council."""
    suffix = f"/councils/{council.id}"
    if entry.issuer.endswith(suffix):
        return entry.issuer[:-len(suffix)]
    if "/councils/" in urlsplit(entry.issuer).path:
        return None
    return entry.issuer


def _council(registry: Registry, number: CertificateNumber) -> Council:
    for council in registry.councils.values():
        if council.registration_prefix == number.prefix:
            return council
    raise CertificateNotFound(f"{number.prefix} is not the prefix of any council's "
                              "certificates", hint=HINT)


def _entries(trust: TrustStore, now: datetime) -> Iterable[TrustedIssuer]:
    if isinstance(trust, ListedTrustStore):
        return trust.source.current(now).entries
    return trust.issuers


def _not_found(number: CertificateNumber) -> ErrorClass:
    def make(_detail: str, hint: str | None = None) -> PramaanError:
        return CertificateNotFound(f"the council has no certificate {number}", hint=HINT)
    return make
