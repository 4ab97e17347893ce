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
      showImages: true,
      showSubResults: true,
      autofocus: true,
      processResult: withoutTitle,
    });
    labelInput();
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) ui.triggerSearch(query);
  };
  // A story's title is indexed (a query for it must find it) and the result shows it above
  // the excerpt, so the excerpt is cut again from the text after the title, around the
  // first match there, the way Pagefind cuts it (its words, its <mark>s).
  var EXCERPT_WORDS = 30;
  function letters(words) {
    // Pagefind ends the indexed title with a full stop and escapes its "&": compare letters only.
    return words.join("").replace(/&amp;/g, "&").replace(/[^\p{L}\p{N}]+/gu, "").toLowerCase();
  }
  function withoutTitle(result) {
    var title = ((result.meta && result.meta.title) || "").split(/[\r\n\s]+/g).filter(Boolean);
    var words = (result.content || "").split(/[\r\n\s]+/g);
    var skip = title.length;
    if (!skip || letters(words.slice(0, skip)) !== letters(title)) return result;
    var marked = {};
    var first = null;
    (result.locations || []).forEach(function (at) {
      if (at < skip) return;
      marked[at] = true;
      if (first === null || at < first) first = at;
    });
    var start = Math.max(skip, (first === null ? skip : first) - Math.floor(EXCERPT_WORDS / 3));
    var end = Math.min(words.length, start + EXCERPT_WORDS);
    var out = [];
    for (var at = start; at < end; at++) out.push(marked[at] ? "<mark>" + words[at] + "</mark>" : words[at]);
    result.excerpt = (start > skip ? "… " : "") + out.join(" ") + (end < words.length ? " …" : "");
    (result.sub_results || []).forEach(function (sub) {
      if (sub.url === result.url) sub.excerpt = result.excerpt;
    });
    return result;
  }
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
