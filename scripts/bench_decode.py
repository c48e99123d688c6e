"""How often the verifier reads the QR code in a phone photo of a printed certificate.

Renders real certificate PDFs (the issuer's renderer, one per certificate type, signed with a
throwaway key), photographs page 1 ``--count`` times under conditions drawn from a seeded random
generator, from careful (severity 0: a few degrees turned, nearly sharp, daylight) to careless
(severity 1: any angle, strong perspective, blur, dim and uneven light, noise, low JPEG quality;
see ``tests/photos.py``), and reports the share that ``verifier.inputs.token_from_image`` decodes
to the right token, overall and by severity band, with decode times.

    .venv/bin/python scripts/bench_decode.py [--count 200] [--seed 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from issuer.delivery.pdf import CertificatePdfRenderer
from keys.signing import SigningKey
from keys.storage import generate_private_key
from schemas.errors import PramaanError
from schemas.qr_payload import encode_qr_text
from schemas.registry import default_registry
from tests.photos import conditions, photograph, render_page
from tests.verifier.conftest import make_credential, sign
from verifier import inputs

PAGE_URL = "https://verify.pramaan.hr.gov.in/v"
BANDS = ((0.0, 0.34, "careful"), (0.34, 0.67, "ordinary"), (0.67, 1.01, "careless"))


def certificates() -> list[tuple[str, bytes]]:
    """(token, PDF) for each certificate type, with both status entries as issued."""
    key = SigningKey.from_private_key(generate_private_key("ES256"))
    renderer, registry = CertificatePdfRenderer.load(), default_registry()
    status = [{"id": f"https://pramaan.hr.gov.in/status/{p}/1#94567",
               "type": "BitstringStatusListEntry", "statusPurpose": p,
               "statusListIndex": "94567",
               "statusListCredential": f"https://pramaan.hr.gov.in/status/{p}/1"}
              for p in ("revocation", "suspension")]
    out = []
    for type_id in ("registration", "good-standing", "noc"):
        credential = make_credential(type_id, status=status)
        token = sign(credential, key)
        pdf = renderer.render(credential, token=token,
                              qr_text=encode_qr_text(token, page_url=PAGE_URL),
                              registry=registry)
        out.append((token, pdf))
    return out


def run(count: int, seed: int, keep: Path | None) -> float:
    pages = [(token, render_page(pdf)) for token, pdf in certificates()]
    results: list[tuple[float, bool, float]] = []
    for i in range(count):
        rng = random.Random(seed * 1_000_003 + i)
        severity = i / max(count - 1, 1)
        token, page = pages[i % len(pages)]
        how = conditions(rng, severity)
        photo = photograph(page, how, rng)
        started = time.perf_counter()
        try:
            ok = inputs.token_from_image(photo) == token
        except PramaanError:
            ok = False
        elapsed = time.perf_counter() - started
        results.append((severity, ok, elapsed))
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"{i:04d}-{severity:.2f}-{'ok' if ok else 'FAIL'}.jpg").write_bytes(photo)
        print(f"\r{i + 1}/{count}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    for low, high, name in BANDS:
        band = [r for r in results if low <= r[0] < high]
        if band:
            print(f"{name:>9} (severity {low:.2f}-{min(high, 1):.2f}): "
                  f"{sum(ok for _s, ok, _t in band)}/{len(band)} = "
                  f"{100 * sum(ok for _s, ok, _t in band) / len(band):.0f} %")
    rate = sum(ok for _s, ok, _t in results) / len(results)
    times = sorted(t for _s, _ok, t in results)
    print(f"      all: {sum(ok for _s, ok, _t in results)}/{len(results)} = {100 * rate:.1f} %; "
          f"decode median {1000 * statistics.median(times):.0f} ms, "
          f"p95 {1000 * times[int(0.95 * (len(times) - 1))]:.0f} ms, "
          f"max {1000 * times[-1]:.0f} ms")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write every photo here, named by outcome")
    args = parser.parse_args()
    run(args.count, args.seed, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
