/* The desk's writing aids: the body previewed by the readers' renderer, with its length.
   Both come from the server, so the editor sees exactly what readers will get. */
"use strict";
(function () {
  function setUpPreview(body, section, stats) {
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
      const result = await response.json().catch(() => ({}));
      if (!response.ok) {
        // Say why, e.g. a body too long to save (413); the text stays in the form.
        if (result.error) {
          const message = document.createElement("p");
          message.className = "errornote";
          message.textContent = result.error;
          output.replaceChildren(message);
        }
        return;
      }
      // The server sanitised this HTML with the same allow-list readers get.
      output.innerHTML = result.html;
      if (stats) stats.textContent = result.summary;
    };
    section.hidden = false;
    section.querySelector(".markdown-preview__refresh").addEventListener("click", refresh);
    let timer;
    body.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 500);
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const body = document.querySelector("textarea#id_body");
    const preview = document.querySelector(".markdown-preview");
    if (body && preview) setUpPreview(body, preview, document.querySelector(".writing-stats"));
  });
})();
