// Runs before the first paint (inlined at the top of <head> by verifier/web.py, before the
// stylesheet, which would hold it back): when the address holds
// a certificate (after the #), the page is drawn at once in its "Checking…" state with the
// verdict's place kept, and the certificate is sent to be checked while app.js and the strings
// are still loading, so the verdict waits on one request, not four in a row.
(function () {
  "use strict";
  var root = document.documentElement;
  var lang = "en";
  try { lang = localStorage.getItem("pramaan.lang") || ""; } catch (e) { lang = ""; }
  if (lang !== "en" && lang !== "hi") {
    lang = (navigator.language || "").toLowerCase().indexOf("hi") === 0 ? "hi" : "en";
  }
  root.lang = lang;
  if (lang === "hi") {  // only the Hindi page needs the Devanagari faces, and needs them early
    ["v/assets/fonts/NotoSansDevanagari-Regular.woff2",
     "v/assets/fonts/NotoSansDevanagari-Bold.woff2"].forEach(function (href) {
      var link = document.createElement("link");
      link.rel = "preload"; link.as = "font"; link.type = "font/woff2"; link.crossOrigin = "";
      link.href = href;  // as app.css names them, versions included (verifier/web.py)
      document.head.appendChild(link);
    });
  }
  if (location.hash.length <= 1) return;
  var text = location.hash;
  // The certificate was only ever in this browser; keep it out of the history as well.
  history.replaceState(null, "", location.pathname + location.search);
  root.className += " pending";
  window.pramaanBoot = { text: text, answer: window.fetch ? fetch("verify", {
    method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ qr: text }),
  }) : null };
})();
