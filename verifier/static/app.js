// The verifier page: reads a certificate from the URL fragment, a camera, a file or pasted text,
// posts it to the verifier's own POST /verify and shows the verdict the server decided
// (verifier/verdict.py). All text comes from strings.json, in English or Hindi. Content from the
// credential is only ever set as textContent.

const ICONS = {
  valid: "✓", revoked: "✕", not_genuine: "✕", suspended: "!", expired: "!",
  not_yet_valid: "!", cannot_check: "?", error: "?",
};
const DECIDED_BAD = new Set(["revoked", "not_genuine", "suspended", "expired", "not_yet_valid"]);
const SCAN_INTERVAL_MS = 150;

const ui = {
  strings: null,
  lang: "en",
  shown: null,      // what the result area shows: {kind: "verdict"|"error"|"checking", ...}
  stream: null,     // the camera's MediaStream while scanning
};

const $ = (id) => document.getElementById(id);

function t(key, values = {}) {
  const table = ui.strings[ui.lang];
  const text = table[key] ?? ui.strings.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

function formatDate(value) {
  if (!value) return "";
  const moment = new Date(value);
  if (Number.isNaN(moment.getTime())) return value;
  return new Intl.DateTimeFormat(ui.lang === "hi" ? "hi-IN" : "en-IN", {
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
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
    day: "numeric", month: "numeric", year: "numeric", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23", timeZone: "Asia/Kolkata",
  }).formatToParts(moment).map((part) => [part.type, part.value]));
  const month = ui.lang === "hi"
    ? new Intl.DateTimeFormat("hi-IN", { month: "short", timeZone: "Asia/Kolkata" }).format(moment)
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
  render();
}

function switchLanguage() {
  ui.lang = ui.lang === "en" ? "hi" : "en";
  try { localStorage.setItem("pramaan.lang", ui.lang); } catch { /* storage may be off */ }
  applyLanguage();
}

function initialLanguage() {
  try {
    const saved = localStorage.getItem("pramaan.lang");
    if (saved === "en" || saved === "hi") return saved;
  } catch { /* storage may be off */ }
  return (navigator.language || "").toLowerCase().startsWith("hi") ? "hi" : "en";
}

// ---- rendering ----

function render() {
  const area = $("result");
  area.replaceChildren();
  const shown = ui.shown;
  if (!shown) return;
  $("intro").hidden = true;
  if (shown.kind === "checking") {
    area.append(el("div", { class: "verdict verdict--checking", role: "status" },
      el("p", { class: "verdict__reason" }, t("checking"))));
  } else if (shown.kind === "error") {
    area.append(errorBox(shown));
  } else {
    const holder = holderBox(shown.verdict);
    const pdf = shown.pdf ? pdfBox(shown.pdf, shown.verdict) : null;
    area.append(verdictBox(shown.verdict), ...(pdf ? [pdf] : []), ...(holder ? [holder] : []));
  }
}

function verdictBox(verdict) {
  const state = verdict.state;
  const box = el("div", { class: `verdict verdict--${state}`, role: "status",
                          "data-state": state },
    el("p", { class: "verdict__state" },
      el("span", { class: "verdict__icon", "aria-hidden": "true" }, ICONS[state] ?? "?"),
      el("span", { class: "verdict__word" }, t(`state.${state}`))),
    el("p", { class: "verdict__reason" },
      t(`reason.${verdict.reason}`, { date: formatMoment(verdict.date) })));
  if (verdict.issuerReason) {
    box.append(el("p", { class: "verdict__note" },
      `${t("issuerReason")}: `, el("span", { lang: "en" }, verdict.issuerReason)));
  }
  if (DECIDED_BAD.has(state)) box.append(el("p", { class: "verdict__notice" }, t("notice.notValid")));
  if (state === "cannot_check") {
    box.append(el("p", { class: "verdict__notice" }, t("notice.cannotCheck")));
  }
  if (verdict.checkedAt) {
    box.append(el("p", { class: "verdict__checked" },
      t("verdict.checked", { time: formatMoment(verdict.checkedAt) })));
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
    row("validity", t("field.validityRange",
                      { from: formatDate(h.validFrom), until: formatDate(h.validUntil) }));
  }
  row("issued", formatDate(h.issued));
  row("purpose", h.purpose, { lang: "en" });
  row("addressee", h.addressee, { lang: "en" });
  row("destination", h.destination, { lang: "en" });
  return el("section", { class: "holder", "aria-labelledby": "holder-heading" },
    el("h2", { id: "holder-heading" }, t("holder.heading")),
    el("dl", {}, ...rows),
    el("p", { class: "photo-id" }, t("notice.photoId")));
}

function errorBox(shown) {
  const key = `error.${shown.code}`;
  const known = key in ui.strings.en;
  return el("div", { class: "verdict verdict--error", role: "alert", "data-state": "error" },
    el("p", { class: "verdict__state" },
      el("span", { class: "verdict__icon", "aria-hidden": "true" }, ICONS.error),
      el("span", { class: "verdict__word" }, t("error.heading"))),
    el("p", { class: "verdict__reason" },
      known ? t(key, { seconds: shown.retryAfter ?? "" }) : t("error.other")),
    !known && shown.detail ? el("p", { class: "verdict__note", lang: "en" }, shown.detail) : null);
}

function show(shown) {
  ui.shown = shown;
  render();
  if (shown.kind !== "checking") $("result").focus({ preventScroll: false });
}

// ---- talking to the verifier ----

async function verify(body) {
  show({ kind: "checking" });
  let response;
  try {
    response = await fetch("verify", { method: "POST", body, credentials: "omit",
      headers: typeof body === "string" ? { "Content-Type": "application/json" } : {} });
  } catch {
    show({ kind: "error", code: "network" });
    return;
  }
  let answer = null;
  try { answer = await response.json(); } catch { answer = null; }
  if (response.ok && answer && answer.verdict) {
    show({ kind: "verdict", verdict: answer.verdict, pdf: answer.pdfSignature ?? null });
  } else if (response.status === 429) {
    show({ kind: "error", code: "rate_limited",
           retryAfter: response.headers.get("Retry-After") ?? "60" });
  } else {
    show({ kind: "error", code: answer?.error ?? "other", detail: answer?.detail });
  }
}

function verifyText(text) {
  return verify(JSON.stringify({ qr: text }));
}

function fromFragment() {
  if (location.hash.length <= 1) return;
  const text = location.hash;
  // The certificate was only ever in this browser; keep it out of the history as well.
  history.replaceState(null, "", location.pathname + location.search);
  verifyText(text);
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

async function startCamera() {
  const video = $("video");
  try {
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
  } catch {
    stopCamera();
    show({ kind: "error", code: "camera" });
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
        verifyText(found.data);
        return;
      }
    }
    setTimeout(tick, SCAN_INTERVAL_MS);
  };
  tick();
}

// ---- start ----

async function main() {
  const response = await fetch("v/assets/strings.json", { credentials: "omit" });
  ui.strings = await response.json();
  ui.strings.en["error.camera"] = ui.strings.en["camera.error"];
  ui.strings.hi["error.camera"] = ui.strings.hi["camera.error"];
  ui.lang = initialLanguage();
  applyLanguage();

  $("lang").addEventListener("click", switchLanguage);
  $("camera").addEventListener("click", () => (ui.stream ? stopCamera() : startCamera()));
  $("upload-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const file = $("file").files[0];
    if (!file) { show({ kind: "error", code: "request.invalid" }); return; }
    const form = new FormData();
    form.append("file", file);
    verify(form);
  });
  $("paste-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("paste").value.trim();
    if (!text) { show({ kind: "error", code: "request.invalid" }); return; }
    verifyText(text);  // the server reads a bare token as well as QR text
  });
  window.addEventListener("hashchange", fromFragment);
  document.body.dataset.ready = "true";
  fromFragment();
}

main();
