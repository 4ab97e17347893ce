// The /search/ page: start Pagefind's search UI from the index `matinee build` writes to
// /pagefind/. Loaded from a file, not inline, like every script of the theme.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) return;
  var bundle = box.getAttribute("data-bundle");
  var style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = bundle + "pagefind-ui.css";
  document.head.appendChild(style);
  var script = document.createElement("script");
  script.src = bundle + "pagefind-ui.js";
  script.onload = function () {
    var ui = new window.PagefindUI({
      element: "#search",
      bundlePath: bundle,
      baseUrl: box.getAttribute("data-base"),
      showImages: false,
      showSubResults: true,
      autofocus: true,
    });
    labelInput();
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) ui.triggerSearch(query);
  };
  // Pagefind's box has only a placeholder; tie the page's visible label to it.
  function labelInput() {
    var input = box.querySelector("input");
    var label = document.getElementById("search-label");
    if (!label) return;
    if (!input) {
      new MutationObserver(function (_, observer) {
        if (box.querySelector("input")) {
          observer.disconnect();
          labelInput();
        }
      }).observe(box, { childList: true, subtree: true });
      return;
    }
    input.id = "search-input";
    input.setAttribute("aria-labelledby", "search-label");
    label.htmlFor = "search-input";
  }
  script.onerror = function () {
    // `matinee serve` previews have no index; say so instead of showing a dead box.
    var missing = document.querySelector(".search-missing");
    if (missing) missing.hidden = false;
  };
  document.head.appendChild(script);
})();
