"use strict";
// The desk's "Front page": name the article picker (select2) by its label for screen readers;
// select2 names its box by the text chosen, which is empty until something is. Watched rather
// than timed: select2 builds its box whenever Django's autocomplete.js gets to it.
function nameThePicker(select, label) {
  const row = select.closest(".form-row");
  row.querySelectorAll(".select2-selection[role=combobox]").forEach((box) => {
    const named = box.getAttribute("aria-labelledby") || "";
    if (!named.split(" ").includes(label.id)) {
      box.setAttribute("aria-labelledby", `${label.id} ${named}`.trim());
    }
  });
  row.querySelectorAll(".select2-selection__rendered:not([aria-label])").forEach((shown) => {
    shown.setAttribute("aria-label", label.textContent.trim());
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".front-desk__place select.admin-autocomplete").forEach((select) => {
    const label = document.querySelector(`label[for="${select.id}"]`);
    const row = select.closest(".form-row");
    if (!label || !row) return;
    label.id = label.id || `${select.id}_label`;
    nameThePicker(select, label);
    new MutationObserver(() => nameThePicker(select, label)).observe(row, {
      childList: true,
      subtree: true,
    });
  });
});
