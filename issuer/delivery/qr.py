"""Draw the QR symbol for a certificate.

zxing-cpp's C++ writer (zint) picks segment modes itself, so a URL prefix followed by digits is
written as a byte segment plus a numeric segment. Error correction is Q, the level recommended for
paper by the EU DCC specification. The data mask is fixed (ISO 18004 allows any of the eight;
the automatic penalty search is 80 % of encoding time, 2.4 ms of 2.9 ms, and every fixed mask
decodes with zxing-cpp and phone readers, performance.md §3). The image is 1 pixel per module:
the PDF scales it (performance.md §4: smallest and fastest, and it decodes at 150 dpi).
"""

from __future__ import annotations

import zxingcpp
from PIL import Image

EC_LEVEL = "Q"
DATA_MASK = 4
QUIET_ZONE = 4


def qr_image(text: str) -> Image.Image:
    """A 1-bit image, one pixel per module, with the 4-module quiet zone (zxing-cpp's, which is
    ISO 18004's minimum)."""
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=EC_LEVEL,
                                      data_mask=DATA_MASK)
    view = memoryview(barcode.to_image(scale=1, add_quiet_zones=True))  # type: ignore[arg-type]
    height, width = view.shape or (0, 0)
    return Image.frombytes("1", (width, height), view.tobytes(), "raw", "1;8")  # a byte a pixel


def qr_version(image: Image.Image) -> int:
    """The QR version of a symbol drawn by ``qr_image`` (side = 17 + 4 * version modules)."""
    return (image.width - 2 * QUIET_ZONE - 17) // 4
