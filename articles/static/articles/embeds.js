/* Click-to-load embeds (templates/includes/embed.html): a reader's browser contacts no provider
   until the reader asks, so the card is a plain link until then and stays one without JavaScript.
   No inline style: the CSP's style-src has no 'unsafe-inline', so sizes come from classes. */
(function () {
  "use strict";

  // data-embed-ratio is the frame's height per 100 of its width.
  function ratioClass(value) {
    const ratio = parseInt(value, 10);
    // Posts that give no size of their own (Mastodon, X) are text that grows downwards.
    if (!(ratio > 0)) return "embed--tall";
    if (ratio <= 62) return "embed--16x9";
    if (ratio <= 85) return "embed--4x3";
    if (ratio <= 115) return "embed--square";
    return "embed--tall";
  }

  function load(figure) {
    const src = figure.dataset.embedSrc || "";
    const card = figure.querySelector(".embed-card");
    // The server stores only https frames on the provider's own hosts; anything else is a
    // page that was tampered with, and keeps its link.
    if (!card || !src.startsWith("https://")) return;
    const link = card.querySelector(".embed-card__title a");
    const source = card.querySelector(".embed-card__source");

    const frame = document.createElement("iframe");
    frame.className = "embed__frame";
    frame.title = figure.dataset.embedTitle || (link ? link.textContent : "");
    frame.setAttribute("loading", "lazy");
    frame.setAttribute("allow", "fullscreen; encrypted-media; picture-in-picture");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-presentation");
    frame.src = src;

    // The link to the original stays, under the frame, for readers whose frame fails to load;
    // after the editor's caption, if the article gave one.
    const given = figure.querySelector("figcaption.embed__caption");
    const caption = given || document.createElement("figcaption");
    caption.className = "embed__caption";
    if (given) caption.append(" · ");
    if (link) caption.append(link.cloneNode(true));
    if (source) caption.append(" · ", source.textContent.trim());

    figure.classList.add("embed--loaded", ratioClass(figure.dataset.embedRatio));
    if (given) card.replaceWith(frame);
    else card.replaceWith(frame, caption);
    frame.focus();
  }

  function start() {
    document.querySelectorAll(".embed").forEach(function (figure) {
      const button = figure.querySelector(".embed-load");
      if (!button) return;
      figure.querySelectorAll(".embed-load, .embed-card__note").forEach(function (element) {
        element.hidden = false;
      });
      button.addEventListener("click", function () {
        load(figure);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
