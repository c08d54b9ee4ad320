/* The desk's writing aids: the body previewed by the readers' renderer, with its length
   (both from the server, so the editor sees exactly what readers will get), and the picker
   that inserts pictures, galleries and embeds from the media library. */
"use strict";
(function () {
  function setUpPreview(body, section, stats) {
    const output = section.querySelector(".markdown-preview__output");
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    const refresh = async () => {
      const data = new FormData();
      data.append("text", body.value);
      const language = document.querySelector("#id_language");
      if (language) data.append("language", language.value);
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

  // Writes `line` into the body at the cursor, alone in its paragraph, and leaves the
  // cursor after it; the preview follows as if the editor had typed it.
  function insertLine(body, line) {
    const before = body.value.slice(0, body.selectionStart).replace(/\s*$/, "");
    const after = body.value.slice(body.selectionEnd).replace(/^\s*/, "");
    const head = before ? before + "\n\n" : "";
    body.value = head + line + (after ? "\n\n" + after : "\n");
    const cursor = head.length + line.length;
    body.focus();
    body.setSelectionRange(cursor, cursor);
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function setUpPicker(body, picker) {
    const query = picker.querySelector("#media-picker-query");
    const results = picker.querySelector(".media-picker__results");
    const imageButton = picker.querySelector(".media-picker__image");
    const galleryButton = picker.querySelector(".media-picker__gallery");
    const embedInput = picker.querySelector("#media-picker-embed");
    const status = picker.querySelector(".media-picker__status");
    // A gallery shows its pictures in the order the editor ticked them.
    let ticked = [];
    const chosen = () => ticked.filter((reference) =>
      results.querySelector(`input[value="${CSS.escape(reference)}"]:checked`)
    );
    const update = () => {
      const count = chosen().length;
      imageButton.disabled = count !== 1;
      galleryButton.disabled = count < 2;
    };
    const search = async () => {
      const url = new URL(picker.dataset.pickerUrl, window.location.href);
      url.searchParams.set("q", query.value);
      const response = await fetch(url, { credentials: "same-origin" });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        status.textContent = data.error || response.statusText;
        return;
      }
      const items = data.results.map((image) => {
        const item = document.createElement("li");
        const label = document.createElement("label");
        const box = document.createElement("input");
        box.type = "checkbox";
        box.value = image.reference;
        const thumbnail = document.createElement("img");
        thumbnail.src = image.thumbnail;
        thumbnail.alt = "";
        thumbnail.width = 96;
        thumbnail.height = image.width ? Math.round((96 * image.height) / image.width) : 64;
        const name = document.createElement("span");
        name.textContent = image.title;
        label.append(box, thumbnail, name);
        item.append(label);
        return item;
      });
      results.replaceChildren(...items);
      status.textContent = items.length ? "" : picker.dataset.noResults || "—";
      update();
    };
    results.addEventListener("change", (event) => {
      const box = event.target;
      ticked = ticked.filter((reference) => reference !== box.value);
      if (box.checked) ticked.push(box.value);
      update();
    });
    imageButton.addEventListener("click", () => insertLine(body, `[[image ${chosen()[0]}]]`));
    galleryButton.addEventListener("click", () =>
      insertLine(body, `[[gallery ${chosen().join(", ")}]]`)
    );
    picker.querySelector(".media-picker__insert-embed").addEventListener("click", () => {
      if (!embedInput.checkValidity() || !embedInput.value) {
        embedInput.reportValidity();
        return;
      }
      insertLine(body, `[[embed ${embedInput.value.trim()}]]`);
      embedInput.value = "";
    });
    let timer;
    query.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    picker.hidden = false;
    search();
  }

  // Leaving a form with changes nobody saved asks first; saving it does not.
  function guardChanges(form) {
    let changed = false;
    form.addEventListener("input", () => {
      changed = true;
    });
    form.addEventListener("submit", () => {
      changed = false;
    });
    window.addEventListener("beforeunload", (event) => {
      if (!changed) return;
      event.preventDefault();
      event.returnValue = "";
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const deskForm = document.querySelector("#article_form, #articletranslation_form");
    if (deskForm) guardChanges(deskForm);
    const body = document.querySelector("textarea#id_body");
    const preview = document.querySelector(".markdown-preview");
    if (body && preview) setUpPreview(body, preview, document.querySelector(".writing-stats"));
    const picker = document.querySelector(".media-picker");
    if (body && picker && !body.readOnly) setUpPicker(body, picker);
  });
})();
