// QR text v1 -> compact JWS, in the browser: docs/qr-format.md §2-§6, the same steps and caps as
// schemas/qr_payload.py (decode_qr_text). Every failure is an OfflineError with the server's code
// (qr.malformed, qr.unsupported_version, qr.too_large), so the verdict is the server's too.
import "./fflate.js";

export const MAX_QR_TEXT = 4296;
export const MAX_INFLATED = 16 * 1024;
const DIGITS_FOR = [0, 3, 5, 8, 10, 13, 15, 17];
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export class OfflineError extends Error {
  constructor(code, detail) {
    super(detail);
    this.code = code;
    this.detail = detail;
  }
}

const malformed = (detail) => new OfflineError("qr.malformed", detail);

/** The unverified token in scanned text; `dictionaries` maps a version digit to its bytes. */
export function decodeQrText(text, dictionaries, limits = {}) {
  const maxText = limits.qrText ?? MAX_QR_TEXT;
  if (typeof text !== "string" || text.length > maxText) {
    throw new OfflineError("qr.too_large", `the scanned text is longer than ${maxText} characters`);
  }
  const payload = text.slice(text.lastIndexOf("#") + 1).replace(/\s+/g, "");
  if (COMPACT_JWS.test(payload)) return payload;
  if (!/^[0-9]+$/.test(payload)) throw malformed("the QR text is neither digits nor a compact JWS");
  const version = Number(payload[0]);
  const dictionary = dictionaries[version];
  if (!dictionary) {
    throw new OfflineError("qr.unsupported_version", `QR format version ${version} is not known here`);
  }
  return tokenOf(digitsToBytes(payload.slice(1)), dictionary, limits.inflated ?? MAX_INFLATED);
}

/** §4: 17-digit groups of 7 bytes, a shorter tail group; every digit string has one meaning. */
export function digitsToBytes(digits) {
  const tail = digits.length % 17;
  const tailBytes = DIGITS_FOR.indexOf(tail);
  if (tailBytes < 0) throw malformed("the QR digits have a length no byte count gives");
  const out = new Uint8Array(Math.floor(digits.length / 17) * 7 + (tail ? tailBytes : 0));
  let at = 0;
  for (let start = 0; start < digits.length;) {
    const size = digits.length - start >= 17 ? 7 : tailBytes;
    let value = BigInt(digits.slice(start, start + DIGITS_FOR[size]));
    if (value >= 1n << BigInt(8 * size)) throw malformed("a QR digit group is out of range");
    for (let i = size - 1; i >= 0; i -= 1) {
      out[at + i] = Number(value & 0xffn);
      value >>= 8n;
    }
    at += size;
    start += DIGITS_FOR[size];
  }
  return out;
}

/** §3: length byte, signature, raw DEFLATE of header LF payload with the preset dictionary. */
function tokenOf(binary, dictionary, maxInflated) {
  const length = binary[0];
  if (!length || binary.length < length + 2) throw malformed("the QR binary is too short");
  const signature = binary.subarray(1, 1 + length);
  const body = inflate(binary.subarray(1 + length), dictionary, maxInflated);
  const split = body.indexOf(0x0a);
  if (split <= 0 || split === body.length - 1) throw malformed("the QR body has no header/payload split");
  return [body.subarray(0, split), body.subarray(split + 1), signature].map(base64url).join(".");
}

/** Raw inflate that must end exactly at the last byte. The input is at most 1,768 bytes (the
 *  text cap), so its output is bounded (about 1.8 MB) before the 16 KiB cap is applied. */
function inflate(data, dictionary, maxInflated) {
  const parts = [];
  const inflater = new self.fflate.Inflate({ dictionary }, (chunk) => parts.push(chunk));
  try {
    inflater.push(data, true);
  } catch {
    throw malformed("the compressed credential in the QR code is corrupt or truncated");
  }
  // fflate keeps the unread input from the byte holding the stream's last bit (`p`) and the
  // bit offset in it (`s.p`): anything beyond that byte is data after the stream.
  if (inflater.p.length > ((inflater.s.p & 7) ? 1 : 0)) {
    throw malformed("the QR payload has bytes after the compressed credential");
  }
  const size = parts.reduce((sum, part) => sum + part.length, 0);
  if (size > maxInflated) {
    throw new OfflineError("qr.too_large", `the credential inflates to more than ${maxInflated} bytes`);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const part of parts) { body.set(part, at); at += part.length; }
  return body;
}

export function base64url(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
