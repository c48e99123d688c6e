"""Draw the QR symbol for a certificate.

zxing-cpp's C++ writer (zint) picks segment modes itself, so a URL prefix followed by digits is
written as a byte segment plus a numeric segment. Error correction is Q, the level recommended for
paper by the EU DCC specification. The image is 1 pixel per module: the PDF scales it (performance.md
§4: smallest and fastest, and it decodes at 150 dpi).
"""

from __future__ import annotations

import zxingcpp
from PIL import Image

EC_LEVEL = "Q"
QUIET_ZONE = 4


def qr_image(text: str) -> Image.Image:
    """A 1-bit image, one pixel per module, with the 4-module quiet zone."""
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=EC_LEVEL)
    view = memoryview(barcode.to_image(scale=1, add_quiet_zones=False))
    height, width = view.shape[0], view.shape[1]
    symbol = Image.frombytes("L", (width, height), view.tobytes()).convert("1")
    framed = Image.new("1", (width + 2 * QUIET_ZONE, height + 2 * QUIET_ZONE), 1)
    framed.paste(symbol, (QUIET_ZONE, QUIET_ZONE))
    return framed


def qr_version(image: Image.Image) -> int:
    """The QR version of a symbol drawn by ``qr_image`` (side = 17 + 4 * version modules)."""
    return (image.width - 2 * QUIET_ZONE - 17) // 4
