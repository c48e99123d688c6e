// The verifier page: reads a certificate from the URL fragment, a camera, a file, a typed
// certificate number or pasted text, has the verifier check it (POST /verify) and shows the
// verdict the server decided (verifier/verdict.py). All text comes from strings.json, in English
// or Hindi. Content from the credential is only ever set as textContent.
//
// One step turns text into an answer: engine.verifyText(text). Another module (the offline
// verifier) may wrap or replace it: window.pramaanPage.engine.verifyText = async (text) => …;
// it resolves to what show() takes ({kind: "verdict", verdict} or {kind: "error", code, …}).

// The on-device checker (docs/offline.md) is loaded only when it is needed or once the page is
// idle, so it never delays the first verdict.
let offline = null;
function offlineModule() {
  offline ??= import("../offline/page.js");
  return offline;
}
let describeAge = null;  // set once the module is loaded; an offline verdict implies it is

const ICONS = {
  valid: "✓", revoked: "✕", not_genuine: "✕", suspended: "!", expired: "!",
  not_yet_valid: "!", cannot_check: "?", error: "?",
};
const LOOKS = {
  valid: "valid", revoked: "reject", not_genuine: "reject", suspended: "reject",
  expired: "reject", not_yet_valid: "reject", cannot_check: "neutral",
};
const SCAN_INTERVAL_MS = 150;
const MAX_UPLOAD_BYTES = 16 * 1024 * 1024;
const PHOTO_MAX_SIDE = 2400;
const PHOTO_SHRINK_ABOVE_BYTES = 1.5 * 1024 * 1024;
const UNREACHABLE = new Set(["network", "upstream.unavailable", "key.unconfirmed",
                             "trust_list.stale", "trust_list.invalid"]);
const NUMBER_LIKE = /^[A-Za-z]{2,8}[\s\-–—_.]*[A-Za-z]{2}[\s\-–—_.]*[0-9A-Za-z]{4}[\s\-–—_.]*[0-9A-Za-z]{4}$/;

const ui = {
  strings: null,
  lang: document.documentElement.lang === "hi" ? "hi" : "en",
  shown: null,      // what the result area shows: {kind: "verdict"|"error"|"checking", ...}
  last: null,       // the last check asked for, kept in memory so that Retry can repeat it
  stream: null,     // the camera's MediaStream while scanning
};

const $ = (id) => document.getElementById(id);

function t(key, values = {}) {
  const table = ui.strings ? ui.strings[ui.lang] : {};
  const text = table[key] ?? ui.strings?.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

function has(key) {
  return Boolean(ui.strings && key in ui.strings.en);
}

/* Intl formatters are slow to make (tens of ms on a cheap phone): one of each, per language. */
const formatters = new Map();
function formatter(name, locale, options) {
  const key = `${name}:${locale}`;
  if (!formatters.has(key)) formatters.set(key, new Intl.DateTimeFormat(locale, options));
  return formatters.get(key);
}

function formatDate(value) {
  if (!value) return "";
  const moment = new Date(value);
  if (Number.isNaN(moment.getTime())) return value;
  return formatter("date", ui.lang === "hi" ? "hi-IN" : "en-IN", {
    day: "numeric", month: "long", year: "numeric", timeZone: "Asia/Kolkata",
  }).format(moment);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                "Dec"];

/* "31 Jan 2027, 23:59 IST": India time to the minute, as verifier's texts show every time
   (schemas.credential.time_for_people); the seconds are cut, so 23:59:59 stays on its day. */
function formatMoment(value) {
  if (!value) return "";
  const moment = new Date(value);
  if (Number.isNaN(moment.getTime())) return value;
  const parts = Object.fromEntries(formatter("moment", "en-GB", {
    day: "numeric", month: "numeric", year: "numeric", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23", timeZone: "Asia/Kolkata",
  }).formatToParts(moment).map((part) => [part.type, part.value]));
  const month = ui.lang === "hi"
    ? formatter("month", "hi-IN", { month: "short", timeZone: "Asia/Kolkata" }).format(moment)
    : MONTHS[Number(parts.month) - 1];
  return `${parts.day} ${month} ${parts.year}, ${parts.hour}:${parts.minute} IST`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// ---- language ----

function applyLanguage() {
  document.documentElement.lang = ui.lang;
  for (const node of document.querySelectorAll("[data-t]")) {
    node.textContent = t(node.dataset.t);
  }
  for (const node of document.querySelectorAll("[data-t-label]")) {
    node.setAttribute("aria-label", t(node.dataset.tLabel));
  }
  $("lang").setAttribute("lang", ui.lang === "en" ? "hi" : "en");
  document.title = `${t("app.title")} · Pramaan`;
  if (ui.stream) $("camera").textContent = t("camera.stop");
  showFileName();
  render();
}

function switchLanguage() {
  ui.lang = ui.lang === "en" ? "hi" : "en";
  try { localStorage.setItem("pramaan.lang", ui.lang); } catch { /* storage may be off */ }
  applyLanguage();
}

// ---- rendering ----

function render() {
  const area = $("result");
  const shown = ui.shown;
  if (!shown) return;  // before any check the area keeps what the page was served with
  area.replaceChildren();
  area.classList.add("is-shown");
  $("intro").hidden = true;
  if (shown.kind === "checking") {
    area.append(checkingBox());
  } else if (shown.kind === "error") {
    area.append(errorBox(shown));
  } else {
    const holder = holderBox(shown.verdict);
    const pdf = shown.pdf ? pdfBox(shown.pdf, shown.verdict) : null;
    area.append(verdictBox(shown.verdict), ...(pdf ? [pdf] : []), ...(holder ? [holder] : []));
  }
}

function checkingBox() {
  return el("div", { class: "verdict verdict--checking", role: "status" },
    el("p", { class: "verdict__reason" }, t("checking")),
    el("div", { class: "progress", "aria-hidden": "true" }, el("div", { class: "progress__bar" })));
}

function certificateTitle(verdict) {
  const h = verdict.holder;
  if (ui.lang === "hi" && h && h.certificateHi) return h.certificateHi;
  return verdict.certificate || (h && h.certificate) || null;
}

function headline(state, word, title) {
  return el("p", { class: "verdict__state" },
    el("span", { class: "verdict__icon", "aria-hidden": "true" }, ICONS[state] ?? "?"),
    el("span", { class: "verdict__headline" },
      title ? el("span", { class: "verdict__type" }, `${title}\u00a0—`) : null,
      title ? " " : null,
      el("span", { class: "verdict__word" }, word)));
}

function checkedLine(checkedAt) {
  return el("p", { class: "verdict__checked" },
    t("verdict.checkedBy", { time: formatMoment(checkedAt), service: location.host }));
}

function retryButton() {
  const button = el("button", { class: "button", type: "button", id: "retry" }, t("retry"));
  button.addEventListener("click", () => { if (ui.last) check(ui.last); });
  return el("p", { class: "verdict__actions" }, button);
}

function issuerNote(verdict) {
  const code = verdict.issuerReasonCode;
  const key = `issuerReason.${code}`;
  if (code && has(key)) {
    return el("p", { class: "verdict__note" }, `${t("issuerReason")}: ${t(key)}`);
  }
  if (!verdict.issuerReason) return null;
  return el("p", { class: "verdict__note" },
    `${t("issuerReason")}: `, el("span", { lang: "en" }, verdict.issuerReason));
}

function verdictBox(verdict) {
  const state = verdict.state;
  const look = LOOKS[state] ?? "neutral";
  const box = el("div", { class: `verdict verdict--${look} verdict--${state}`, role: "status",
                          "data-state": state, "data-look": look },
    headline(state, t(`state.${state}`), certificateTitle(verdict)),
    el("p", { class: "verdict__reason" },
      t(`reason.${verdict.reason}`, { date: formatMoment(verdict.date) })),
    issuerNote(verdict));
  if (look === "reject") box.append(el("p", { class: "verdict__notice" }, t("notice.notValid")));
  if (state === "cannot_check") {
    box.append(el("p", { class: "verdict__notice" }, t("notice.cannotCheck")), retryButton());
  }
  box.append(checkedLine(verdict.checkedAt || new Date().toISOString()));
  if (verdict.offline) {  // checked on this device: say with data how old (docs/offline.md)
    box.append(el("p", { class: "verdict__offline", "data-age-ms": verdict.offline.ageMs },
      t("offline.age", { age: describeAge(verdict.offline.ageMs, t) })));
  }
  return box;
}

// An uploaded PDF's own signature (verifier/pdf_signature.py), beside the verdict: it never
// changes the verdict, which is about the credential; anything but valid says to trust the QR.
function pdfBox(pdf, verdict) {
  const ok = pdf.state === "valid";
  return el("div", { class: `pdfsig pdfsig--${ok ? "valid" : "warn"}`, role: "note",
                     "data-pdf-state": pdf.state },
    el("p", { class: "pdfsig__heading" }, t("pdf.heading")),
    el("p", { class: "pdfsig__text" },
      t(`pdf.${pdf.state}`, { council: verdict.holder?.council ?? pdf.signer ?? "" })));
}

function holderBox(verdict) {
  const h = verdict.holder;
  if (!h) return null;
  const valid = verdict.state === "valid";
  const hi = ui.lang === "hi";
  const rows = [];
  const row = (key, value, attrs = {}) => {
    if (value === null || value === undefined || value === "") return;
    rows.push(el("dt", {}, t(`field.${key}`)), el("dd", attrs, value));
  };
  row("name", h.name, { lang: "en", class: "name" });
  row("nameHi", h.nameHi, { lang: "hi", class: "name" });
  row("registrationNumber", h.registrationNumber, { lang: "en" });
  row("council", hi && h.councilHi ? h.councilHi : h.council,
      { lang: hi && h.councilHi ? "hi" : "en" });
  row("profession", hi && h.professionHi ? h.professionHi : h.profession,
      { lang: hi && h.professionHi ? "hi" : "en" });
  if (h.qualifications && h.qualifications.length) {
    row("qualifications", el("ul", {}, ...h.qualifications.map((q) => el("li", {}, q))),
        { lang: "en" });
  }
  row("certificate", hi && h.certificateHi ? h.certificateHi : h.certificate,
      { lang: hi && h.certificateHi ? "hi" : "en" });
  row("certificateId", h.certificateId, { lang: "en" });
  if (h.validFrom || h.validUntil) {
    row(valid ? "validity" : "validityStated", t("field.validityRange",
        { from: formatDate(h.validFrom), until: formatDate(h.validUntil) }));
  }
  row("issued", formatDate(h.issued));
  row("purpose", h.purpose, { lang: "en" });
  row("addressee", h.addressee, { lang: "en" });
  row("destination", h.destination, { lang: "en" });
  const heading = valid ? t("holder.heading")
    : t(verdict.state === "cannot_check" ? "holder.headingUnconfirmed" : "holder.headingRejected");
  return el("section", { class: valid ? "holder" : "holder holder--rejected",
                         "aria-labelledby": "holder-heading" },
    el("h2", { id: "holder-heading" }, heading),
    el("dl", {}, ...rows),
    valid ? el("p", { class: "photo-id" }, t("notice.photoId")) : null);
}

function errorMessage(shown) {
  const byKind = `error.${shown.source}.${shown.code}`;
  if (has(byKind)) return t(byKind, { seconds: shown.retryAfter ?? "" });
  const key = `error.${shown.code}`;
  return has(key) ? t(key, { seconds: shown.retryAfter ?? "" }) : t("error.other");
}

function errorBox(shown) {
  if (UNREACHABLE.has(shown.code)) {  // nothing was judged: the verdict is Cannot check
    return el("div", { class: "verdict verdict--neutral verdict--cannot_check", role: "alert",
                       "data-state": "cannot_check", "data-look": "neutral" },
      headline("cannot_check", t("state.cannot_check"), null),
      el("p", { class: "verdict__reason" }, t(`error.${shown.code === "network" ? "network"
                                                                             : "unreachable"}`)),
      el("p", { class: "verdict__notice" }, t("notice.cannotCheck")),
      retryButton(),
      checkedLine(new Date().toISOString()));
  }
  const heading = has(`error.heading.${shown.code}`) ? t(`error.heading.${shown.code}`)
    : t(shown.code.startsWith("camera") ? "camera.heading" : "error.heading");
  const known = has(`error.${shown.code}`) || has(`error.${shown.source}.${shown.code}`);
  return el("div", { class: "verdict verdict--neutral verdict--error", role: "alert",
                     "data-state": "error", "data-code": shown.code },
    headline("error", heading, null),
    el("p", { class: "verdict__reason" }, errorMessage(shown)),
    !known && shown.detail ? el("p", { class: "verdict__note", lang: "en" }, shown.detail) : null);
}

function show(shown) {
  ui.shown = shown;
  render();
  document.documentElement.classList.remove("pending");
  if (shown.kind === "verdict" && performance.getEntriesByName("pramaan-verdict").length === 0) {
    performance.mark("pramaan-verdict");
  }
  if (shown.kind !== "checking") $("result").focus({ preventScroll: false });
}

// ---- talking to the verifier ----

async function answerOf(response, source) {
  let answer = null;
  try { answer = await response.json(); } catch { answer = null; }
  if (response.ok && answer && answer.verdict) {
    return { kind: "verdict", verdict: answer.verdict, pdf: answer.pdfSignature ?? null };
  }
  if (response.status === 429) {
    return { kind: "error", code: "rate_limited", source,
             retryAfter: response.headers.get("Retry-After") ?? "60" };
  }
  return { kind: "error", code: answer?.error ?? "other", detail: answer?.detail, source };
}

async function post(body, source) {
  try {
    const response = await fetch("verify", { method: "POST", body, credentials: "omit",
      headers: typeof body === "string" ? { "Content-Type": "application/json" } : {} });
    return await answerOf(response, source);
  } catch {
    return { kind: "error", code: "network", source };
  }
}

/** Is this a printed certificate number or verification link (…/c/NUMBER), not QR text? */
function isPrintedNumber(text) {
  const trimmed = text.trim();
  if (trimmed.length > 300) return false;
  return NUMBER_LIKE.test(trimmed) || /\/c\/[^/\s]+\/?$/.test(trimmed.split(/[?#]/)[0]);
}

const engine = {
  /** Text (a certificate number, its link, QR text or a token) to an answer for show(). With
   * no network, scanned text is checked on this device against its cached, signed data. */
  async verifyText(text) {
    if (isPrintedNumber(text)) return post(JSON.stringify({ number: text.trim() }), "number");
    if (navigator.onLine !== false) {
      const answer = await post(JSON.stringify({ qr: text }), "text");
      if (answer.kind !== "error" || answer.code !== "network") return answer;
    }
    return onDevice(text);
  },
};

/** The on-device check (docs/offline.md); with nothing cached to check against, "network". */
async function onDevice(text) {
  const verdict = await offlineModule()
    .then((module) => { describeAge = module.describeAge; return module.checkOnDevice(text); })
    .catch(() => null);
  if (verdict?.error) return { kind: "error", code: verdict.error, detail: verdict.detail, source: "text" };
  return verdict ? { kind: "verdict", verdict } : { kind: "error", code: "network", source: "text" };
}
window.pramaanPage = { engine, show };

/** Run a check and show its answer; ``request.run`` is kept so that Retry can repeat it. */
async function check(request) {
  ui.last = request;
  show({ kind: "checking" });
  show(await request.run());
}

function checkText(text) {
  return check({ run: () => engine.verifyText(text) });
}

// ---- files ----

function showFileName() {
  const file = $("file").files[0];
  $("file-name").textContent = file ? file.name : t("upload.none");
}

/** A big phone photo is shrunk here before it is sent: the QR code needs about 2400 px. */
async function shrunkPhoto(file) {
  if (!/^image\/(jpeg|png)$/.test(file.type) || file.size <= PHOTO_SHRINK_ABOVE_BYTES) return null;
  if (typeof createImageBitmap !== "function") return null;
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = el("canvas", { width: Math.round(bitmap.width * scale),
                                  height: Math.round(bitmap.height * scale) });
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
  } catch {
    return null;
  }
}

function formWith(blob, name) {
  const form = new FormData();
  form.append("file", blob, name);
  return form;
}

async function verifyFile(file) {
  const smaller = await shrunkPhoto(file);
  if (smaller) {
    const answer = await post(formWith(smaller, "photo.jpg"), "file");
    // Shrinking lost the QR code's detail: the whole photo, if the server may take it.
    if (answer.code !== "input.no_credential" || file.size > MAX_UPLOAD_BYTES) return answer;
  }
  if (file.size > MAX_UPLOAD_BYTES) return { kind: "error", code: "request.too_large", source: "file" };
  return post(formWith(file, file.name), "file");
}

// ---- camera ----

function loadDecoder() {
  if (window.jsQR) return Promise.resolve(window.jsQR);
  return new Promise((resolve, reject) => {
    const script = el("script", { src: "v/assets/vendor/jsQR.js" });
    script.onload = () => resolve(window.jsQR);
    script.onerror = reject;
    document.head.append(script);
  });
}

function cameraProblem(error) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return "camera.unavailable";
  if (error && error.name === "NotAllowedError") return "camera.denied";
  if (error && (error.name === "NotFoundError" || error.name === "OverconstrainedError")) {
    return "camera.none";
  }
  return "camera.failed";
}

async function startCamera() {
  const video = $("video");
  try {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new Error("none");
    const [decode, stream] = await Promise.all([loadDecoder(), navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    })]);
    ui.stream = stream;
    video.srcObject = stream;
    await video.play();
    $("camera-box").hidden = false;
    $("camera").textContent = t("camera.stop");
    scan(decode, video);
  } catch (error) {
    stopCamera();
    show({ kind: "error", code: cameraProblem(error), source: "camera" });
  }
}

function stopCamera() {
  if (ui.stream) ui.stream.getTracks().forEach((track) => track.stop());
  ui.stream = null;
  $("video").srcObject = null;
  $("camera-box").hidden = true;
  $("camera").textContent = t("camera.start");
}

function scan(decode, video) {
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const tick = () => {
    if (!ui.stream) return;
    if (video.videoWidth && video.videoHeight) {
      const scale = Math.min(1, 1280 / Math.max(video.videoWidth, video.videoHeight));
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const frame = context.getImageData(0, 0, canvas.width, canvas.height);
      const found = decode(frame.data, frame.width, frame.height,
                           { inversionAttempts: "attemptBoth" });
      if (found && found.data) {
        stopCamera();
        checkText(found.data);
        return;
      }
    }
    setTimeout(tick, SCAN_INTERVAL_MS);
  };
  tick();
}

// ---- start ----

function fromFragment() {
  if (location.hash.length <= 1) return;
  const text = location.hash;
  history.replaceState(null, "", location.pathname + location.search);
  checkText(text);
}

/** The check boot.js began before this module loaded (a QR link), answered here. */
async function fromBoot(boot) {
  ui.last = { run: () => engine.verifyText(boot.text) };
  let answer = null;
  try {
    if (boot.answer) answer = await answerOf(await boot.answer, "text");
  } catch {
    answer = null;  // no network: the engine checks on this device, or says so
  }
  show(answer ?? await ui.last.run());
}

function wire() {
  $("lang").addEventListener("click", switchLanguage);
  $("camera").addEventListener("click", () => (ui.stream ? stopCamera() : startCamera()));
  $("file").addEventListener("change", showFileName);
  $("upload-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const file = $("file").files[0];
    if (!file) { show({ kind: "error", code: "request.invalid", source: "file" }); return; }
    check({ run: () => verifyFile(file) });
  });
  $("paste-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("paste").value.trim();
    if (!text) { show({ kind: "error", code: "request.invalid", source: "text" }); return; }
    checkText(text);
  });
  window.addEventListener("hashchange", fromFragment);
}

/** After the page has loaded and shown what it was asked, when the browser has nothing to do. */
function whenIdle(task) {
  const later = () => (window.requestIdleCallback ? requestIdleCallback(task, { timeout: 5000 })
    : setTimeout(task, 1000));
  if (document.readyState === "complete") later();
  else window.addEventListener("load", later, { once: true });
}

async function main() {
  const boot = window.pramaanBoot;
  window.pramaanBoot = null;
  const response = await fetch("v/assets/strings.json");
  ui.strings = await response.json();
  applyLanguage();
  wire();
  document.body.dataset.ready = "true";
  if (boot) await fromBoot(boot);
  else fromFragment();
  whenIdle(() => offlineModule().then((module) => {
    describeAge = module.describeAge;
    return module.startOffline();
  }).catch(() => { /* the page works online without it */ }));
}

main();
