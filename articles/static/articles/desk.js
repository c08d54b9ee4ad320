/* The desk's writing view: the body beside its preview (the readers' renderer and stylesheet,
   with its length, from the server, so the editor sees exactly what readers will get), a
   Markdown toolbar, the picker that inserts pictures, galleries and embeds from the media
   library, and the editor's text kept on the server between saves (autosave). */
"use strict";
(function () {
  // The preview is a page of its own, styled by the readers' stylesheet (site.css) and built
  // from the readers' article markup, so type sizes and quotes are theirs. It is an srcdoc
  // frame: same origin, no request, under the desk's CSP; the desk writes into it.
  function frameDocument(stylesheet, language) {
    return (
      `<!doctype html><html lang="${language}"><head><meta charset="utf-8">` +
      `<link rel="stylesheet" href="${stylesheet}"></head><body>` +
      '<main id="content" class="page"><div class="story"><article class="article">' +
      '<header class="article__header"><h1 class="article__headline"></h1>' +
      '<p class="article__standfirst"></p></header><div class="article__body"></div>' +
      "</article></div></main></body></html>"
    );
  }

  // The readers' desktop layout starts at 48rem; a narrower column shows it scaled down
  // (a transform set through the CSSOM, which the CSP allows, unlike style attributes).
  const DESKTOP_WIDTH = 768;
  const PHONE_WIDTH = 390;

  function setUpPreview(body, section, stats) {
    const frame = section.querySelector(".markdown-preview__frame");
    const stage = section.querySelector(".markdown-preview__stage");
    const error = section.querySelector(".markdown-preview__error");
    const phone = section.querySelector(".markdown-preview__phone");
    const choice = section.querySelector(".markdown-preview__text");
    const othersData = document.getElementById("writing-others");
    const others = othersData ? JSON.parse(othersData.textContent) : [];
    if (!others.length) choice.closest(".markdown-preview__controls").classList.add("no-others");
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    const language = () => {
      const field = document.querySelector("#id_language");
      return field && field.value ? field.value : document.documentElement.lang;
    };
    const ready = new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
    frame.srcdoc = frameDocument(section.dataset.stylesheet, language());
    ready.then(() => {
      // Links in the preview stay in the desk.
      frame.contentDocument.addEventListener("click", (event) => {
        if (event.target.closest("a")) event.preventDefault();
      });
    });

    const fit = () => {
      const room = stage.clientWidth;
      if (!room) return;
      // On a phone's desk the page is the phone's; on a wider one, at least the readers' desktop.
      const narrow = window.innerWidth < DESKTOP_WIDTH;
      const page = phone.getAttribute("aria-pressed") === "true"
        ? PHONE_WIDTH
        : narrow ? room : Math.max(room, DESKTOP_WIDTH);
      const scale = Math.min(1, room / page);
      frame.style.width = `${page}px`;
      frame.style.height = `${stage.clientHeight / scale}px`;
      frame.style.transform = scale < 1 ? `scale(${scale})` : "";
    };
    new ResizeObserver(fit).observe(stage);
    phone.addEventListener("click", () => {
      const on = phone.getAttribute("aria-pressed") !== "true";
      phone.setAttribute("aria-pressed", String(on));
      section.classList.toggle("markdown-preview--phone", on);
      fit();
    });

    // Answers can arrive out of order: only the latest request's is shown.
    let latest = 0;
    const refresh = async () => {
      const asked = ++latest;
      const other = choice.value === "" ? null : others[Number(choice.value)];
      const text = other ? { ...other } : {
        language: language(),
        headline: (document.querySelector("#id_headline") || {}).value || "",
        standfirst: (document.querySelector("#id_standfirst") || {}).value || "",
        body: body.value,
      };
      const data = new FormData();
      data.append("text", text.body);
      data.append("language", text.language);
      const response = await fetch(section.dataset.previewUrl, {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": token ? token.value : "" },
        credentials: "same-origin",
      });
      const result = await response.json().catch(() => ({}));
      if (asked !== latest) return;
      if (!response.ok) {
        // Say why, e.g. a body too long to save (413); the text stays in the form.
        error.textContent = result.error || response.statusText;
        return;
      }
      error.textContent = "";
      await ready;
      if (asked !== latest) return;
      const page = frame.contentDocument;
      page.documentElement.lang = text.language;
      page.querySelector(".article__headline").textContent = text.headline;
      const standfirst = page.querySelector(".article__standfirst");
      standfirst.textContent = text.standfirst;
      standfirst.hidden = !text.standfirst;
      // The server sanitised this HTML with the same allow-list readers get.
      page.querySelector(".article__body").innerHTML = result.html;
      if (stats && !other) stats.textContent = result.summary;
    };
    section.hidden = false;
    fit();
    section.querySelector(".markdown-preview__refresh").addEventListener("click", refresh);
    choice.addEventListener("change", refresh);
    let timer;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    };
    body.addEventListener("input", later);
    for (const name of ["#id_headline", "#id_standfirst"]) {
      const field = document.querySelector(name);
      if (field) field.addEventListener("input", later);
    }
    refresh();
    return refresh;
  }

  // The body beside its preview: one row of the form, two columns on a wide screen.
  function layOut(body, section, toolbar) {
    const row = body.closest(".form-row");
    const editor = document.createElement("div");
    editor.className = "writing-editor";
    body.before(editor);
    if (toolbar) editor.append(toolbar);
    editor.append(body);
    const original = document.querySelector("#articletranslation_form fieldset.translation-original");
    if (original && section) {
      // A translation is written beside the original (admin.css): the preview goes on top of
      // it, in the same column, with the original's own text a click away in its list.
      original.before(section);
    } else if (row && section) {
      row.classList.add("writing-row");
      row.append(section);
    }
  }

  // The toolbar wraps the selection (bold, italic, link) or marks its lines (##, >, -).
  function setUpToolbar(body, toolbar, picker) {
    const changed = (start, end) => {
      body.focus();
      body.setSelectionRange(start, end);
      body.dispatchEvent(new Event("input", { bubbles: true }));
    };
    const wrap = (before, after, placeholder) => {
      const { selectionStart: start, selectionEnd: end, value } = body;
      const chosen = value.slice(start, end) || placeholder;
      body.value = value.slice(0, start) + before + chosen + after + value.slice(end);
      changed(start + before.length, start + before.length + chosen.length);
    };
    const prefix = (mark) => {
      const { selectionStart: start, selectionEnd: end, value } = body;
      const from = start === 0 ? 0 : value.lastIndexOf("\n", start - 1) + 1;
      // A selection ending at a line break ends on the line before it.
      const last = end > start && value[end - 1] === "\n" ? end - 1 : end;
      const next = value.indexOf("\n", last);
      const to = next === -1 ? value.length : next;
      const lines = value.slice(from, to).split("\n").map((line) => (line.startsWith(mark) ? line : mark + line));
      const text = lines.join("\n");
      body.value = value.slice(0, from) + text + value.slice(to);
      changed(from, from + text.length);
    };
    toolbar.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button || body.readOnly) return;
      if (button.dataset.wrap) wrap(button.dataset.wrap, button.dataset.wrap, button.title);
      else if (button.dataset.prefix) prefix(button.dataset.prefix);
      else if ("link" in button.dataset) {
        const { selectionStart: start, selectionEnd: end, value } = body;
        const label = value.slice(start, end) || button.title;
        const link = `[${label}](https://)`;
        body.value = value.slice(0, start) + link + value.slice(end);
        // The address is selected, to be typed over.
        const address = start + label.length + 3;
        changed(address, address + "https://".length);
      } else if ("media" in button.dataset && picker) {
        picker.scrollIntoView({ block: "center" });
        picker.querySelector("#media-picker-query").focus();
      }
    });
    const media = toolbar.querySelector("[data-media]");
    if (!picker) media.hidden = true;
    toolbar.hidden = body.readOnly;
  }

  // The editor's text is kept on the server every few seconds while it changes, and offered
  // back when the form opens again; saving the form forgets it (articles/admin/writing.py).
  const AUTOSAVE_FIELDS = ["headline", "slug", "standfirst", "body"];
  const AUTOSAVE_EVERY = 3000;

  function post(url, payload) {
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    return fetch(url, {
      method: "POST",
      body: JSON.stringify(payload),
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      credentials: "same-origin",
    });
  }

  function setUpAutosave(form, url, status) {
    let dirty = false;
    let saving = false;
    form.addEventListener("input", (event) => {
      if (AUTOSAVE_FIELDS.includes(event.target.name)) dirty = true;
    });
    const keep = async () => {
      if (!dirty || saving) return;
      dirty = false;
      saving = true;
      const fields = {};
      for (const name of AUTOSAVE_FIELDS) {
        const field = form.elements[name];
        if (field && !field.readOnly) fields[name] = field.value;
      }
      try {
        const response = await post(url, { fields });
        if (!response.ok) throw new Error(response.statusText);
        const time = new Date().toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
        if (status) status.textContent = `${status.dataset.saved} ${time}`;
      } catch {
        dirty = true;
      } finally {
        saving = false;
      }
    };
    setInterval(keep, AUTOSAVE_EVERY);
    form.addEventListener("submit", () => {
      dirty = false;
    });
  }

  function setUpBanner(form, banner, url) {
    const data = document.getElementById("autosave-kept");
    if (!data) return;
    const kept = JSON.parse(data.textContent);
    form.prepend(banner);
    banner.hidden = false;
    banner.querySelector(".autosave-banner__restore").addEventListener("click", () => {
      for (const [name, value] of Object.entries(kept)) {
        const field = form.elements[name];
        if (!field || field.readOnly) continue;
        field.value = value;
        field.dispatchEvent(new Event("input", { bubbles: true }));
      }
      banner.remove();
      const body = form.elements.body;
      if (body) body.focus();
    });
    banner.querySelector(".autosave-banner__discard").addEventListener("click", async () => {
      await post(url, { discard: true });
      banner.remove();
    });
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
    const toolbar = document.querySelector(".markdown-toolbar");
    const picker = document.querySelector(".media-picker");
    if (body) layOut(body, preview, toolbar);
    if (body && preview) setUpPreview(body, preview, document.querySelector(".writing-stats"));
    if (body && toolbar) setUpToolbar(body, toolbar, body.readOnly ? null : picker);
    if (body && picker && !body.readOnly) setUpPicker(body, picker);
    const autosaveUrl = preview && preview.dataset.autosaveUrl;
    if (deskForm && autosaveUrl) {
      setUpAutosave(deskForm, autosaveUrl, toolbar && toolbar.querySelector(".markdown-toolbar__status"));
      const banner = document.querySelector(".autosave-banner");
      if (banner) setUpBanner(deskForm, banner, autosaveUrl);
    }
  });
})();
