// The verifier page's service worker (scope /v): the app shell from a versioned cache, first,
// so the page opens with no network. It caches nothing else: not POST /verify, not the offline
// data (store.js keeps that), nothing of the issuer's (another origin), nothing personal.
// The server fills in VERSION and SHELL (verifier/pwa.py, service_worker): SHELL is the page and
// every file it may load, VERSION a digest of their contents, so each release is a new cache and
// the old one is deleted; an installed app never keeps serving a page older than the server's.
const VERSION = "pramaan-shell-__VERSION__";
const SHELL = __SHELL__;
// The Devanagari fonts: not part of the shell (the page opens and checks without them), kept
// after it, as an extra that may fail, or the first time the page loads them; so a reader who
// switches to Hindi with no network still reads Hindi, not empty boxes.
const ON_FIRST_USE = new Set(__ON_FIRST_USE__);
const SHELL_PATHS = new Set(SHELL);

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION)
    .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: "reload" })))
      .then(() => cache.addAll([...ON_FIRST_USE]).catch(() => { /* fetched on first use */ })))
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
  const path = url.pathname;
  if (request.method !== "GET" || url.origin !== self.location.origin
      || !(SHELL_PATHS.has(path) || ON_FIRST_USE.has(path))) {
    return;  // the network, untouched
  }
  event.respondWith(caches.open(VERSION).then(async (cache) => {
    const cached = await cache.match(path);
    if (cached) return cached;
    const response = await fetch(request);
    if (response.ok && ON_FIRST_USE.has(path)) await cache.put(path, response.clone());
    return response;
  }));
});
