// "Save to this device" on /p/certificates: the certificate's details, QR code and PDF go into
// this browser's Cache Storage, where /p/wallet (and its service worker, offline) finds them.
// Only the signed-in professional's own certificates can be fetched; signing out clears them all.
export const ITEMS = "pramaan-wallet-items-v1";

export const itemPath = (number) => `/p/wallet/items/${encodeURIComponent(number)}`;

async function fetched(url) {
  const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  // signed out, the pages redirect to the sign-in page: never save that
  if (!response.ok || response.redirected) throw new Error(`${url}: HTTP ${response.status}`);
  return response.blob();
}

export async function save(number) {
  const base = `/p/certificates/${encodeURIComponent(number)}`;
  const [record, qr, pdf] = await Promise.all(
    [`${base}/saved`, `${base}/qr.png`, `${base}/certificate.pdf`].map(fetched));
  const cache = await caches.open(ITEMS);
  const item = itemPath(number);
  const typed = (blob, type) => new Response(blob, { headers: { "Content-Type": type } });
  await cache.put(`${item}/qr.png`, typed(qr, "image/png"));
  await cache.put(`${item}/certificate.pdf`, typed(pdf, "application/pdf"));
  await cache.put(`${item}.json`, typed(record, "application/json"));  // last: marks it complete
}

async function savedNumbers() {
  const cache = await caches.open(ITEMS);
  return new Set((await cache.keys()).map((r) => new URL(r.url).pathname)
    .filter((p) => p.endsWith(".json"))
    .map((p) => decodeURIComponent(p.slice("/p/wallet/items/".length, -".json".length))));
}

function mark(button) {
  button.textContent = button.dataset.saved;
  button.dataset.state = "saved";
}

async function main() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/p/wallet/sw.js", { scope: "/p/wallet" }).catch(() => {});
  }
  const saved = await savedNumbers();
  for (const button of document.querySelectorAll("button.save")) {
    if (saved.has(button.dataset.number)) mark(button);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await save(button.dataset.number);
        mark(button);
      } catch {
        button.dataset.state = "failed";
      } finally {
        button.disabled = false;
      }
    });
  }
  document.body.dataset.walletReady = "true";
}

main();
