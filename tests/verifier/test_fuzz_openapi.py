"""The verifier's OpenAPI document, fuzzed (``tests/fuzz.py``): every route, with the request
bodies the verify routes really take (``verifier/openapi.py``), answers no request with 5xx."""

from __future__ import annotations

from schemas.registry import Registry
from tests.clock import NOW
from tests.fuzz import fuzz_openapi
from tests.verifier.conftest import ALGORITHMS, SetClock
from verifier.api import create_app
from verifier.settings import VerifierSettings
from verifier.trust import TrustStore
from verifier.verify import Verifier


def test_no_request_is_a_server_error(verifier_settings: VerifierSettings, trust: TrustStore,
                                      registry: Registry) -> None:
    app = create_app(verifier_settings, clock=SetClock(NOW),
                     verifier=Verifier(trust, algorithms=ALGORITHMS, registry=registry))

    fuzzed = fuzz_openapi(app, max_examples=25)

    assert {"POST /verify", "POST /credentials/verify"} <= set(fuzzed)

