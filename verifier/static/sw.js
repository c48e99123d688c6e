// The verifier page's service worker (scope /v): the app shell from a versioned cache, first,
// so the page opens with no network. It caches nothing else: not POST /verify, not the offline
// data (store.js keeps that), nothing of the issuer's (another origin), nothing personal.
const VERSION = "pramaan-shell-v1";  // change it with SHELL: a new cache, the old deleted
const SHELL = [
  "/v", "/v/manifest.webmanifest",
  "/v/assets/app.js", "/v/assets/app.css", "/v/assets/strings.json", "/v/assets/vendor/jsQR.js",
  "/v/assets/fonts/NotoSansDevanagari-Regular.ttf", "/v/assets/fonts/NotoSansDevanagari-Bold.ttf",
  "/v/offline/page.js", "/v/offline/qr.js", "/v/offline/jws.js", "/v/offline/verify.js",
  "/v/offline/credential.js", "/v/offline/status.js", "/v/offline/verdict.js",
  "/v/offline/store.js", "/v/offline/fflate.js", "/v/offline/qr-dictionary-v1.txt",
  "/v/offline/icon-192.png", "/v/offline/icon-512.png",
];
const SHELL_PATHS = new Set(SHELL);

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION)
    .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: "reload" }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names
      .filter((name) => name.startsWith("pramaan-shell-") && name !== VERSION)
      .map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || !SHELL_PATHS.has(url.pathname)) {
    return;  // the network, untouched
  }
  event.respondWith(caches.open(VERSION).then(async (cache) => {
    const cached = await cache.match(url.pathname);
    return cached ?? fetch(request);
  }));
});
