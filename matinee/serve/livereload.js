(function (state) {
  "use strict";
  var key = "matinee-scroll " + location.pathname;
  var saved = !state.waiting && sessionStorage.getItem(key);
  if (saved) {
    sessionStorage.removeItem(key);
    var restore = function () { scrollTo.apply(window, JSON.parse(saved)); };
    restore();
    addEventListener("load", restore);
  }
  function reload() {
    sessionStorage.setItem(key, JSON.stringify([scrollX, scrollY]));
    location.reload();
  }
  function restyle(paths) {
    document.querySelectorAll('link[rel~="stylesheet"]').forEach(function (link) {
      var url = new URL(link.href, location.href);
      if (url.origin !== location.origin || paths.indexOf(url.pathname) < 0) return;
      url.searchParams.set("matinee", state.epoch);
      var fresh = link.cloneNode();
      fresh.href = url.href;
      fresh.onload = fresh.onerror = function () { link.remove(); };
      link.after(fresh);
    });
  }
  function show(errors) {
    var host = document.getElementById("matinee-overlay");
    if (!errors.length) { if (host) host.remove(); return; }
    if (!host) {
      host = document.createElement("div");
      host.id = "matinee-overlay";
      host.attachShadow({mode: "open"}).innerHTML = "<style>" +
        "div{position:fixed;z-index:2147483647;top:0;left:0;right:0;max-height:70vh;" +
        "overflow:auto;margin:0;padding:1em 1.5em;background:#1d1d1f;color:#f5f5f7;" +
        "border-bottom:4px solid #e5484d;text-align:left;" +
        "font:14px/1.5 ui-monospace,Menlo,Consolas,monospace}" +
        "h2{margin:0;font-size:1.1em;color:#ff8589}p{margin:.25em 0 .75em;opacity:.8}" +
        "pre{margin:0;white-space:pre-wrap}" +
        "button{float:right;font:inherit;background:none;color:inherit;border:0;cursor:pointer}" +
        "</style>" +
        "<div role='alert'><button aria-label='Hide'>\u00d7</button>" +
        "<h2>The site did not build</h2><p>Below is the last good build. Save a fix and " +
        "this page updates by itself.</p><pre></pre></div>";
      host.shadowRoot.querySelector("button").onclick = function () { host.remove(); };
      document.documentElement.appendChild(host);
    }
    host.shadowRoot.querySelector("pre").textContent = errors.join("\n");
  }
  function receive(message) {
    if (message.server !== state.server) { if (!message.replay) reload(); return; }
    if (state.waiting) { if (message.builds > state.builds) location.reload(); return; }
    if (message.epoch < state.epoch) return;
    if (message.epoch > state.epoch) {
      if (message.epoch !== state.epoch + 1 || message.css === null) { reload(); return; }
      state.epoch = message.epoch;
      restyle(message.css);
    }
    show(message.errors);
  }
  if (!state.waiting) show(state.errors);
  addEventListener("pageshow", function (event) { if (event.persisted) location.reload(); });
  try {
    var worker = new SharedWorker("WORKER_URL", {name: "matinee-live"});
    worker.port.onmessage = function (event) { receive(event.data); };
    worker.port.start();
    addEventListener("pagehide", function () { worker.port.postMessage("bye"); });
  } catch (missing) {
    new EventSource("EVENTS_URL").onmessage = function (event) { receive(JSON.parse(event.data)); };
  }
})
