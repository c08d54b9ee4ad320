/* The desk's writing aids: a live word count and a preview rendered by the readers' renderer. */
"use strict";
(function () {
  const WORDS_PER_MINUTE = 230;
  const WORD = /[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*/gu;

  function countWords(text) {
    const withoutLinkTargets = text.replace(/\]\([^)]*\)/g, "]");
    return (withoutLinkTargets.match(WORD) || []).length;
  }

  function describe(words, minutes, stats) {
    const template = stats.dataset.template;
    if (!template) return `${words} · ${minutes}`;
    return template.replace("WORDS", words).replace("MINUTES", minutes);
  }

  function setUpWordCount(body, stats) {
    const update = () => {
      const words = countWords(body.value);
      const minutes = words ? Math.max(1, Math.ceil(words / WORDS_PER_MINUTE)) : 0;
      stats.textContent = describe(words, minutes, stats);
    };
    body.addEventListener("input", update);
  }

  function setUpPreview(body, section) {
    const output = section.querySelector(".markdown-preview__output");
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    const refresh = async () => {
      const data = new FormData();
      data.append("text", body.value);
      const response = await fetch(section.dataset.previewUrl, {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": token ? token.value : "" },
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const result = await response.json();
      // The server sanitised this HTML with the same allow-list readers get.
      output.innerHTML = result.html;
    };
    section.hidden = false;
    section.querySelector(".markdown-preview__refresh").addEventListener("click", refresh);
    let timer;
    body.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 600);
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const body = document.querySelector("textarea#id_body");
    if (!body) return;
    const stats = document.querySelector(".writing-stats");
    if (stats) setUpWordCount(body, stats);
    const preview = document.querySelector(".markdown-preview");
    if (preview) setUpPreview(body, preview);
  });
})();
