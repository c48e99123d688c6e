// The wallet's service worker, scope /p/wallet: the wallet page and its files (network first,
// the cached copy offline) and the certificates this device saved (from Cache Storage only,
// never the network). It controls no other page, and it caches nothing personal itself: the
// saved items are put there by save.js at the professional's request.
const SHELL_CACHE = "pramaan-wallet-shell-v1";
const ITEMS = "pramaan-wallet-items-v1";
const SHELL = ["/p/wallet", "/p/wallet/wallet.js", "/assets/style.css"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names
      .filter((name) => name.startsWith("pramaan-wallet-shell-") && name !== SHELL_CACHE)
      .map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

async function shell(request, path) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(path, response.clone());
    return response;
  } catch {
    return (await cache.match(path)) ?? Response.error();
  }
}

async function item(path) {
  const found = await (await caches.open(ITEMS)).match(path);
  return found ?? new Response("not saved on this device", { status: 404 });
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/p/wallet/items/")) {
    event.respondWith(item(url.pathname));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(shell(event.request, url.pathname));
  }
});
