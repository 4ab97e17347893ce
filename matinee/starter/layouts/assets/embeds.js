// Click-to-load embeds: the player (and its host) loads only when the reader asks for it.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".embed-play");
  if (!button) return;
  const figure = button.closest(".embed");
  const frame = document.createElement("iframe");
  frame.src = figure.dataset.embedSrc;
  frame.title = figure.dataset.embedTitle;
  frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
  frame.allowFullscreen = true;
  frame.referrerPolicy = "strict-origin-when-cross-origin";
  const holder = figure.querySelector(".embed-frame");
  holder.replaceChildren(frame);
  figure.classList.add("embed-loaded");
  frame.focus();
});
