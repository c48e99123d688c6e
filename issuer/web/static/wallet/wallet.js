// /p/wallet: the certificates saved on this device (save.js), shown from Cache Storage, offline
// too: the details, a full-screen QR code for a hospital to scan, the PDF, and when the state was
// last checked. Online and signed in, each state is checked again. Text is set as textContent.
const ITEMS = "pramaan-wallet-items-v1";
const WORDS = {
  en: { none: "No certificate is saved on this device.", qr: "Show QR code", pdf: "Open PDF",
        close: "Close", checked: "State last checked", council: "Council",
        registration: "Registration number", valid: "Valid", issued: "Issued",
        active: "Valid", suspended: "Suspended", revoked: "Revoked", expired: "Expired" },
  hi: { none: "इस उपकरण पर कोई प्रमाणपत्र सहेजा नहीं गया है।", qr: "QR कोड दिखाएँ",
        pdf: "PDF खोलें", close: "बंद करें", checked: "स्थिति अंतिम बार जाँची गई",
        council: "परिषद", registration: "पंजीकरण संख्या", valid: "वैधता", issued: "जारी",
        active: "वैध", suspended: "निलंबित", revoked: "रद्द", expired: "समाप्त" },
};
const root = document.getElementById("wallet");
const w = WORDS[root.dataset.lang] ?? WORDS.en;
const itemPath = (number) => `/p/wallet/items/${encodeURIComponent(number)}`;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function when(value) {
  const moment = new Date(value);
  if (Number.isNaN(moment.getTime())) return value ?? "";
  return new Intl.DateTimeFormat(root.dataset.lang === "hi" ? "hi-IN" : "en-IN", {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
    timeZone: "Asia/Kolkata" }).format(moment);
}

async function records() {
  const cache = await caches.open(ITEMS);
  const keys = (await cache.keys()).filter((r) => new URL(r.url).pathname.endsWith(".json"));
  return Promise.all(keys.map(async (key) => (await cache.match(key)).json()));
}

function showQr(record) {
  const box = document.getElementById("fullscreen");
  const close = el("button", { type: "button", class: "close" }, w.close);
  const image = el("img", { src: `${itemPath(record.number)}/qr.png`, alt: record.number });
  Object.assign(box.style, { position: "fixed", inset: "0", background: "#fff", zIndex: "10",
                             display: "flex", flexDirection: "column", alignItems: "center",
                             justifyContent: "center", gap: "1rem" });
  Object.assign(image.style, { width: "min(92vw, 92vh)", height: "auto",
                               imageRendering: "pixelated" });
  box.replaceChildren(image, el("p", {}, record.number), close);
  box.hidden = false;
  close.addEventListener("click", () => { box.hidden = true; box.replaceChildren(); });
  close.focus();
}

function card(record) {
  const title = root.dataset.lang === "hi" ? record.titleHi : record.title;
  const qr = el("button", { type: "button", class: "show-qr" }, w.qr);
  qr.addEventListener("click", () => showQr(record));
  const row = (label, value) => (value ? [el("dt", {}, label), el("dd", {}, value)] : []);
  return el("li", { "data-number": record.number }, el("div", {},
    el("strong", {}, title ?? ""), el("br"), `${record.number} `,
    el("span", { class: `state state-${record.state}`, "data-state": record.state }, w[record.state] ?? record.state),
    el("p", { class: "checked" }, `${w.checked}: ${when(record.checkedAt)}`),
    el("dl", {}, ...row("", record.name), ...row("", record.nameHi),
       ...row(w.council, root.dataset.lang === "hi" ? record.councilHi : record.council),
       ...row(w.registration, record.registrationNumber),
       ...row(w.valid, `${when(record.validFrom)} – ${when(record.validUntil)}`),
       ...row(w.issued, when(record.issuedAt))),
    qr, " ", el("a", { href: `${itemPath(record.number)}/certificate.pdf`, class: "pdf" }, w.pdf)));
}

async function render() {
  const saved = (await records()).sort((a, b) => a.number.localeCompare(b.number));
  root.replaceChildren(saved.length ? el("ul", { class: "cards" }, ...saved.map(card))
                                    : el("p", {}, w.none));
  return saved;
}

/** Online and still signed in: ask the council again and keep the new state and its time. */
async function recheck(saved) {
  const cache = await caches.open(ITEMS);
  let changed = false;
  for (const record of saved) {
    try {
      const response = await fetch(`/p/certificates/${encodeURIComponent(record.number)}/saved`,
                                   { credentials: "same-origin", cache: "no-store" });
      if (!response.ok || response.redirected) continue;  // signed out: keep what was saved
      const fresh = await response.blob();
      await cache.put(`${itemPath(record.number)}.json`,
                      new Response(fresh, { headers: { "Content-Type": "application/json" } }));
      changed = true;
    } catch { /* offline: the saved state and its time stay */ }
  }
  if (changed) await render();
}

async function main() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/p/wallet/sw.js", { scope: "/p/wallet" }).catch(() => {});
  }
  const saved = await render();
  document.body.dataset.walletReady = "true";
  if (navigator.onLine !== false) await recheck(saved);
  document.body.dataset.walletChecked = "true";
}

main();
