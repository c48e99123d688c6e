"""The verifier service over HTTP: every way a credential arrives, the VCALM exchange, and the
4xx answers for input that holds no credential (never a 500, never a hang)."""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pikepdf
import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.testclient import TestClient
from PIL import Image
from starlette.concurrency import run_in_threadpool

from issuer.delivery.qr import qr_image
from keys.signing import SigningKey
from schemas.credential import CONTEXT_V2
from schemas.qr_payload import encode_qr_text
from schemas.registry import Registry
from tests.clock import NOW
from tests.verifier.conftest import ALGORITHMS, JwksServer, SetClock, make_credential, sign
from verifier import api
from verifier.api import JsonVerifyFastPath, create_app
from verifier.http import RequestRoute
from verifier.settings import VerifierSettings
from verifier.trust import TrustStore
from verifier.verify import Verifier

PAGE_URL = "https://verify.pramaan.hr.gov.in/v"
W3C = "https://www.w3.org/TR/vc-data-model#"


@pytest.fixture
def settings(verifier_settings: VerifierSettings) -> VerifierSettings:
    return verifier_settings.model_copy(update={"max_upload_bytes": 1024 * 1024})


@pytest.fixture
def wall() -> SetClock:
    return SetClock(NOW)


@pytest.fixture
def app(settings: VerifierSettings, trust: TrustStore, registry: Registry, wall: SetClock
        ) -> FastAPI:
    return create_app(settings, verifier=Verifier(trust, algorithms=ALGORITHMS,
                                                  registry=registry), clock=wall)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def token(es256_key: SigningKey) -> str:
    return sign(make_credential(), es256_key)


def qr_png(text: str, *, scale: int = 4, fmt: str = "PNG", rotate: int = 0) -> bytes:
    image = qr_image(text)
    image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    image = image.convert("L").rotate(rotate, expand=True, fillcolor=255)
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def pdf_with_attachment(token: str) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.attachments["credential.jwt"] = pikepdf.AttachedFileSpec(
        pdf, token.encode(), filename="credential.jwt", mime_type="application/vc+jwt")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def pdf_with_qr_only(text: str) -> bytes:
    """An A4-ish page with the QR printed at about 0.5 mm a module, and nothing attached."""
    page = Image.new("L", (2480, 3508), 255)
    qr = Image.open(io.BytesIO(qr_png(text, scale=6)))
    page.paste(qr, (1400, 2600))
    out = io.BytesIO()
    page.save(out, "PDF", resolution=300)
    return out.getvalue()


def issued_pdf(token: str, registry: Registry) -> bytes:
    """The certificate PDF exactly as the issuer renders it (QR drawn, token attached)."""
    from issuer.delivery.pdf import CertificatePdfRenderer

    return CertificatePdfRenderer.load().render(
        make_credential(), token=token, qr_text=encode_qr_text(token, page_url=PAGE_URL),
        registry=registry)


def upload(client: TestClient, data: bytes, name: str = "upload.bin") -> Any:
    return client.post("/verify", files={"file": (name, data, "application/octet-stream")})


def assert_verified(response: Any) -> None:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is True, body["checks"]
    assert body["credential"]["credentialSubject"]["registrationNumber"] == "HMC/2016/0045217"


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert body["detail"]


class TestInputs:
    def test_token(self, client: TestClient, token: str) -> None:
        assert_verified(client.post("/verify", json={"token": token}))

    def test_qr_text(self, client: TestClient, token: str) -> None:
        assert_verified(client.post("/verify",
                                    json={"qr": encode_qr_text(token, page_url=PAGE_URL)}))

    def test_pdf_with_attachment(self, client: TestClient, token: str) -> None:
        assert_verified(upload(client, pdf_with_attachment(token), "certificate.pdf"))

    def test_pdf_with_qr_only_is_rasterised(self, client: TestClient, token: str) -> None:
        assert_verified(upload(client, pdf_with_qr_only(encode_qr_text(token, page_url=PAGE_URL))))

    def test_the_issuers_own_pdf(self, client: TestClient, token: str,
                                 registry: Registry) -> None:
        pdf = issued_pdf(token, registry)
        assert_verified(upload(client, pdf, "certificate.pdf"))
        with pikepdf.open(io.BytesIO(pdf)) as stripped:  # a copy that lost its attachment
            del stripped.attachments["credential.jwt"]
            if "/AF" in stripped.Root:
                del stripped.Root["/AF"]
            out = io.BytesIO()
            stripped.save(out)
        with pikepdf.open(io.BytesIO(out.getvalue())) as check:
            assert len(check.attachments) == 0  # so the QR on the page is what gets read
        assert_verified(upload(client, out.getvalue(), "scan.pdf"))

    def test_png_of_the_qr(self, client: TestClient, token: str) -> None:
        assert_verified(upload(client, qr_png(encode_qr_text(token, page_url=PAGE_URL)),
                               "photo.txt"))  # the name does not matter, the content does

    def test_rotated_jpeg_of_the_qr(self, client: TestClient, token: str) -> None:
        photo = qr_png(encode_qr_text(token, page_url=PAGE_URL), fmt="JPEG", rotate=90)
        assert_verified(upload(client, photo))

    def test_raw_pdf_body(self, client: TestClient, token: str) -> None:
        assert_verified(client.post("/verify", content=pdf_with_attachment(token),
                                    headers={"Content-Type": "application/pdf"}))

    def test_text_file_with_a_token(self, client: TestClient, token: str) -> None:
        assert_verified(upload(client, f"\n{token[:50]}\n{token[50:]}\n".encode()))

    def test_a_forged_credential_is_still_a_200(self, client: TestClient) -> None:
        forged = sign(make_credential(name="Dr. Somebody Else"),
                      SigningKey.from_private_key(_other_key()))
        body = client.post("/verify", json={"token": forged}).json()
        assert body["verified"] is False
        assert [c["code"] for c in body["checks"] if c["ok"] is False] == [
            "credential.unknown_key"]
        assert body["credential"] is None


def _other_key() -> Any:
    from keys.storage import generate_private_key

    return generate_private_key("ES256")


class TestUnusableInput:
    @pytest.mark.parametrize(("data", "status", "code"), [
        (os.urandom(2048), 415, "input.unsupported_type"),
        (b"%PDF-1.7\n" + os.urandom(4096), 422, "input.unreadable"),
        (b"\x89PNG\r\n\x1a\n" + os.urandom(512), 422, "input.unreadable"),
        (b"\xff\xd8\xff\xe0" + os.urandom(512), 422, "input.unreadable"),
        (b"", 400, "request.invalid"),
        (b"hello, world", 422, "qr.malformed"),
    ])
    def test_garbage_files(self, client: TestClient, data: bytes, status: int, code: str
                           ) -> None:
        assert_error(upload(client, data), status, code)

    def test_image_without_a_qr(self, client: TestClient) -> None:
        out = io.BytesIO()
        Image.new("L", (400, 300), 200).save(out, "PNG")
        assert_error(upload(client, out.getvalue()), 422, "input.no_credential")

    def test_pdf_without_attachment_or_qr(self, client: TestClient) -> None:
        pdf = pikepdf.new()
        pdf.add_blank_page()
        out = io.BytesIO()
        pdf.save(out)
        assert_error(upload(client, out.getvalue()), 422, "input.no_credential")

    def test_decompression_bomb(self, client: TestClient) -> None:
        out = io.BytesIO()
        Image.new("1", (10_000, 10_000), 1).save(out, "PNG")
        assert len(out.getvalue()) < 100_000
        assert_error(upload(client, out.getvalue()), 413, "request.too_large")

    def test_attachment_that_inflates_too_far_is_not_read(self, client: TestClient, token: str
                                                          ) -> None:
        pdf = pikepdf.new()
        pdf.add_blank_page()
        pdf.attachments["credential.jwt"] = pikepdf.AttachedFileSpec(
            pdf, b"x", filename="credential.jwt", mime_type="application/vc+jwt")
        bomb = token.encode() + b" " * 50_000_000  # would still strip to the token if read
        stream = pdf.attachments["credential.jwt"].get_file().obj
        stream.write(zlib.compress(bomb), filter=pikepdf.Name.FlateDecode)
        out = io.BytesIO()
        pdf.save(out)
        assert len(out.getvalue()) < 200_000
        assert_error(upload(client, out.getvalue()), 422, "input.no_credential")

    @pytest.mark.parametrize(("body", "code"), [
        (b"{not json", "request.invalid"),
        (b'{"token": 5}', "request.invalid"),
        (b'{"credential": "x"}', "request.invalid"),
        (b"[]", "request.invalid"),
        (b'{"qr": "https://verify.example/v#1234"}', "qr.malformed"),
    ])
    def test_bad_json(self, client: TestClient, body: bytes, code: str) -> None:
        response = client.post("/verify", content=body,
                               headers={"Content-Type": "application/json"})
        assert_error(response, 422 if code.startswith("qr.") else 400, code)

    def test_declared_oversize_body(self, client: TestClient) -> None:
        assert_error(upload(client, b"0" * (2 * 1024 * 1024)), 413, "request.too_large")

    def test_streamed_oversize_body(self, client: TestClient) -> None:
        chunks = (b"0" * 65536 for _ in range(40))  # chunked: no Content-Length
        response = client.post("/verify", content=chunks,
                               headers={"Content-Type": "application/pdf"})
        assert_error(response, 413, "request.too_large")

    def test_oversize_json(self, client: TestClient) -> None:
        assert_error(client.post("/verify", json={"token": "a" * 100_000}), 413,
                     "request.too_large")



class TestErrorShape:
    """Every 4xx, the framework's included, is ``{"error", "detail", "hint"}``."""

    def assert_shape(self, response: Any, status: int, code: str) -> dict[str, Any]:
        assert_error(response, status, code)
        body: dict[str, Any] = response.json()
        assert set(body) <= {"error", "detail", "hint"}, body
        return body

    def test_unknown_route(self, client: TestClient) -> None:
        body = self.assert_shape(client.get("/nowhere"), 404, "not_found")
        assert body == {"error": "not_found", "detail": "there is nothing at GET /nowhere",
                        "hint": "the verifier's API is described at /docs"}

    def test_a_method_the_route_does_not_take(self, client: TestClient) -> None:
        response = client.get("/verify")
        body = self.assert_shape(response, 405, "request.method_not_allowed")
        assert response.headers["allow"] == "POST" and body["hint"] == "use POST"

    def test_a_request_that_fails_validation(self, app: FastAPI, client: TestClient) -> None:
        @app.get("/probe")
        def probe(limit: int) -> dict[str, int]:
            return {"limit": limit}

        body = self.assert_shape(client.get("/probe", params={"limit": "many"}), 400,
                                 "request.invalid")
        assert body["detail"] == ("the request is not valid: query limit: input should be a "
                                  "valid integer, unable to parse string as an integer")
        assert "many" not in body["detail"] and body["hint"]

    def test_a_form_that_cannot_be_parsed(self, client: TestClient) -> None:
        response = client.post("/verify", content=b"--x\r\nno headers",
                               headers={"Content-Type": "multipart/form-data"})
        self.assert_shape(response, 400, "request.invalid")

    def test_the_fast_path_answers_in_the_same_shape(self, client: TestClient) -> None:
        response = client.post("/verify", content=b"{token",
                               headers={"Content-Type": "application/json"})
        self.assert_shape(response, 400, "request.invalid")


class TestInline:
    def test_verifies_in_place_once_the_keys_are_cached(
            self, client: TestClient, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
        hops: list[Any] = []

        async def counted(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            hops.append(func)
            return await run_in_threadpool(func, *args, **kwargs)

        monkeypatch.setattr(api, "run_in_threadpool", counted)
        for _ in range(3):
            assert_verified(client.post("/verify", json={"token": token}))
        assert len(hops) == 1  # the first, which fetched the JWKS


def envelope(token: str, **changes: Any) -> dict[str, Any]:
    credential = {"@context": [CONTEXT_V2], "type": "EnvelopedVerifiableCredential",
                  "id": f"data:application/vc+jwt,{token}"}
    return {"verifiableCredential": {**credential, **changes}}


class TestVcalm:
    def test_verified(self, client: TestClient, token: str) -> None:
        body = envelope(token) | {"options": {"checks": ["proof"], "returnResults": True}}
        response = client.post("/credentials/verify", json=body)
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["verified"] is True and result["problemDetails"] == []
        assert result["credential"] == make_credential()
        assert result["results"]["proof"] == [{"verified": True}]
        assert result["results"]["validUntil"] == {"verified": True,
                                                   "input": "2029-07-13T23:59:59+05:30"}
        assert result["results"]["credentialSchema"][0]["verified"] is True

    def test_bad_signature_is_422_with_the_same_shape(self, client: TestClient, token: str
                                                      ) -> None:
        head, payload, signature = token.split(".")
        tampered = f"{head}.{payload}.{signature[:-4]}AAAA"
        response = client.post("/credentials/verify", json=envelope(tampered))
        assert response.status_code == 422
        result = response.json()
        assert result["verified"] is False and "credential" not in result
        assert result["problemDetails"] == [{
            "type": W3C + "CRYPTOGRAPHIC_SECURITY_ERROR", "title": "Cryptographic security error",
            "detail": "the signature does not match the issuer's key", "check": "signature",
            "error": "credential.bad_signature"}]
        assert result["results"]["proof"] == [{"verified": False}]

    def test_expired_is_a_range_error(self, wall: SetClock, client: TestClient, token: str
                                      ) -> None:
        wall.now = NOW.replace(year=2030)
        result = client.post("/credentials/verify", json=envelope(token)).json()
        assert [p["type"] for p in result["problemDetails"]] == [W3C + "RANGE_ERROR"]
        assert result["results"]["validFrom"]["verified"] is True
        assert result["results"]["validUntil"]["verified"] is False

    def test_unreachable_issuer_is_503(self, client: TestClient, token: str,
                                       jwks_server: JwksServer) -> None:
        jwks_server.status = 500
        response = client.post("/credentials/verify", json=envelope(token))
        assert response.status_code == 503
        assert response.json()["problemDetails"][0]["error"] == "upstream.unavailable"

    @pytest.mark.parametrize("changes", [
        {"@context": []},
        {"@context": ["https://www.w3.org/ns/credentials/examples/v2"]},
        {"id": "eyJhbGciOiJFUzI1NiJ9.e30.sig"},
        {"type": "VerifiableCredential"},
        {"type": ["NonconformingDocument"]},
        {"type": None},
    ])
    def test_malformed_requests_are_400(self, client: TestClient, token: str,
                                        changes: dict[str, Any]) -> None:
        assert_error(client.post("/credentials/verify", json=envelope(token, **changes)), 400,
                     "request.invalid")

    def test_a_plain_credential_is_400(self, client: TestClient) -> None:
        response = client.post("/credentials/verify",
                               json={"verifiableCredential": make_credential()})
        assert_error(response, 400, "request.invalid")


def test_health_and_page(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    page = client.get("/v")
    assert page.status_code == 200 and "Certificate check" in page.text
    assert "<noscript>" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'; ")


def test_the_verify_routes_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/verify", "/credentials/verify"} <= set(paths)
    assert paths["/verify"]["post"]["summary"].startswith("Verify a certificate")


def test_the_verify_routes_document_their_request_bodies(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    verify = paths["/verify"]["post"]["requestBody"]["content"]
    assert set(verify) == {"application/json", "multipart/form-data"}
    assert [o["required"] for o in verify["application/json"]["schema"]["oneOf"]] == [
        ["token"], ["qr"], ["number"]]
    assert verify["multipart/form-data"]["schema"]["required"] == ["file"]
    vcalm = paths["/credentials/verify"]["post"]["requestBody"]["content"]["application/json"]
    assert vcalm["schema"]["required"] == ["verifiableCredential"]


@pytest.mark.parametrize("path", ["/verify", "/credentials/verify"])
@pytest.mark.parametrize("depth", [33, 1100, 32_000])
def test_deeply_nested_json_is_400_not_a_recursion_error(client: TestClient, path: str,
                                                          depth: int) -> None:
    """32,000 levels fit in 64 kB: the stdlib parser raised RecursionError (a 500)."""
    body = b'{"token": ' + b"[" * depth + b"]" * depth + b"}"
    response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "request.invalid")
    assert "nested deeper than" in response.json()["detail"]


def test_a_control_character_in_the_url_is_400(client: TestClient) -> None:
    assert_error(client.get("/v/assets/%00"), 400, "request.invalid")
    assert_error(client.get("/v?lang=%01"), 400, "request.invalid")


def test_a_request_route_takes_the_request_alone() -> None:
    router = APIRouter(route_class=RequestRoute)

    async def with_a_parameter(request: Request, token: str) -> Response:
        raise AssertionError

    with pytest.raises(TypeError, match="Request alone"):
        router.post("/x")(with_a_parameter)


def test_the_json_fast_path_answers_as_the_route_does(client: TestClient, token: str) -> None:
    """JSON bodies are answered by ``JsonVerifyFastPath``, a form by the FastAPI route: the same
    verification must give the same answer, and bad input the same errors."""
    fast = client.post("/verify", json={"token": token})
    routed = client.post("/verify", data={"token": token})
    assert fast.status_code == routed.status_code == 200
    assert fast.json() == routed.json() and fast.json()["verified"] is True
    not_json = client.post("/verify", content=b"{token", headers={"Content-Type":
                                                                  "application/json"})
    assert not_json.status_code == 400 and not_json.json()["error"] == "request.invalid"
    huge = client.post("/verify", content=b'{"token": "' + b"a" * 70_000 + b'"}',
                       headers={"Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.json()["error"] == "request.too_large"
    no_token = client.post("/verify", json={"nothing": 1})
    routed_no_token = client.post("/verify", data={"nothing": "1"})
    assert no_token.status_code == routed_no_token.status_code
    assert no_token.json()["error"] == routed_no_token.json()["error"]


@pytest.mark.parametrize(("method", "path", "content_type", "fast"), [
    ("POST", "/verify", b"application/json", True), ("POST", "/verify", None, True),
    ("POST", "/verify", b"multipart/form-data; boundary=x", False),
    ("POST", "/credentials/verify", b"application/json", False),
    ("GET", "/verify", None, False)])
def test_which_requests_take_the_fast_path(method: str, path: str, content_type: bytes | None,
                                           fast: bool) -> None:
    headers = [(b"content-type", content_type)] if content_type else []
    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    assert JsonVerifyFastPath.handles(scope) is fast


@pytest.mark.parametrize("body", [{"token": ""}, {"token": " \n"}, {"qr": ""}])
def test_a_request_holding_no_credential_is_400(client: TestClient, body: dict[str, str]
                                                ) -> None:
    """README: a request that holds no credential is the caller's error, not 'not genuine'."""
    field = next(iter(body))
    for response in (client.post("/verify", json=body), client.post("/verify", data=body)):
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "request.invalid"
        assert f"'{field}' is empty" in response.json()["detail"]
        assert set(response.json()) == {"error", "detail", "hint"}


@pytest.mark.parametrize(("header", "takes"), [
    ("gzip, deflate, br, zstd", True), ("br;q=1.0, gzip;q=0.8", True), ("*", True),
    ("gzip;q=0", False), ("identity", False), ("", False), (None, False)])
def test_a_verdict_is_gzipped_only_for_clients_that_take_it(header: str | None,
                                                           takes: bool) -> None:
    assert api.accepts_gzip(header) is takes


def test_the_page_gets_its_verdict_gzipped(client: TestClient, token: str) -> None:
    packed = client.post("/verify", json={"token": token},
                         headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < 2500  # about 4.5 kB as JSON
    assert packed.json()["verdict"]["state"] == "valid"  # the client inflates it
    plain = client.post("/verify", json={"token": token},
                        headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.json() == packed.json()
    form = client.post("/verify", data={"token": token}, headers={"Accept-Encoding": "gzip"})
    assert form.headers["content-encoding"] == "gzip"  # the route answers as the fast path
