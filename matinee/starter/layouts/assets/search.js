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
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) ui.triggerSearch(query);
  };
  script.onerror = function () {
    // `matinee serve` previews have no index; say so instead of showing a dead box.
    var missing = document.querySelector(".search-missing");
    if (missing) missing.hidden = false;
  };
  document.head.appendChild(script);
})();
