"""Issue 11 item 2: small files that ask for a lot are refused before the work, with a 4xx.

A 4.9 MB PDF of 550,000 empty pages grew the verifier by 800 MB; a content-stream bomb held a
request 10 s, a 30000x30000 image 7-9 s. Each is now refused from a count (objects, pages, bytes
inflated, pixels) before it is parsed, inflated or rendered; peak memory is measured in a child
process that does one verification (no timed assertions: the refusal and the memory show it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from schemas.registry import Registry
from tests import hostile
from tests.clock import NOW
from tests.verifier.conftest import ALGORITHMS, SetClock
from tests.verifier.test_api import assert_error, upload
from verifier import inputs
from verifier.api import create_app
from verifier.settings import VerifierSettings
from verifier.trust import TrustStore
from verifier.verify import Verifier

HOSTILE_PDFS: dict[str, Callable[[], bytes]] = {
    "100,000 pages": lambda: hostile.many_pages_pdf(100_000),
    "21 pages": lambda: hostile.many_pages_pdf(21),
    "content-stream bomb": hostile.content_stream_bomb,
    "30000x30000 image": hostile.huge_image_pdf,
}

MAX_GROWTH_MB = 150

ONE_VERIFICATION = """
import json, resource, sys
from schemas.errors import PramaanError
from verifier import inputs

data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    inputs.token_from_upload(data, max_bytes=5 * 1024 * 1024)
    code = None
except PramaanError as err:
    code = err.code
print(json.dumps({"code": code, "before_kb": before,
                  "self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


@pytest.fixture
def client(verifier_settings: VerifierSettings, trust: TrustStore, registry: Registry
           ) -> Iterator[TestClient]:
    """The verifier with its default upload cap (5 MB)."""
    app = create_app(verifier_settings, verifier=Verifier(trust, algorithms=ALGORITHMS,
                                                          registry=registry), clock=SetClock(NOW))
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("make", HOSTILE_PDFS.values(), ids=HOSTILE_PDFS.keys())
def test_hostile_pdfs_are_refused_as_too_complex(client: TestClient,
                                                 make: Callable[[], bytes]) -> None:
    assert_error(upload(client, make(), "certificate.pdf"), 413, "input.too_complex")


@pytest.mark.parametrize("make", HOSTILE_PDFS.values(), ids=HOSTILE_PDFS.keys())
def test_a_hostile_pdf_costs_little_memory(tmp_path: Path, make: Callable[[], bytes]) -> None:
    """One verification in a fresh process: its peak RSS over what it had before the file was
    read, and the peak of any child it ran (pdftoppm)."""
    path = tmp_path / "hostile.pdf"
    path.write_bytes(make())
    done = subprocess.run([sys.executable, "-c", ONE_VERIFICATION, str(path)],
                          capture_output=True, text=True, check=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    measured = json.loads(done.stdout)
    assert measured["code"] == "input.too_complex"
    growth_mb = (measured["self_kb"] - measured["before_kb"]) / 1024
    assert growth_mb < MAX_GROWTH_MB, measured
    assert measured["children_kb"] / 1024 < MAX_GROWTH_MB, measured


def test_a_photo_header_claiming_30000x30000_is_refused(client: TestClient) -> None:
    assert_error(upload(client, hostile.png_header_claiming(30000, 30000)), 413,
                 "request.too_large")


def test_pdftoppm_runs_under_hard_limits() -> None:
    """The limits the rasteriser's child gets, read back by a shell in its place."""
    done = subprocess.run(["sh", "-c", "ulimit -v; ulimit -t"], capture_output=True, text=True,
                          check=True, preexec_fn=inputs._raster_limits)
    memory_kb, cpu_seconds = done.stdout.split()
    assert int(memory_kb) * 1024 == inputs.RASTER_MEMORY_BYTES
    assert int(cpu_seconds) == inputs.RASTER_CPU_SECONDS
