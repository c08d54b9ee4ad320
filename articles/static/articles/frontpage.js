"use strict";
// The desk's "Front page": name the article picker (select2) by its label for screen readers;
// select2 names its box by the text chosen, which is empty until something is.
window.addEventListener("load", () => {
  document.querySelectorAll(".front-desk__place select.admin-autocomplete").forEach((select) => {
    const label = document.querySelector(`label[for="${select.id}"]`);
    const row = select.closest(".form-row");
    if (!label || !row) return;
    label.id = label.id || `${select.id}_label`;
    row.querySelectorAll(".select2-selection[role=combobox]").forEach((box) => {
      const named = box.getAttribute("aria-labelledby") || "";
      box.setAttribute("aria-labelledby", `${label.id} ${named}`.trim());
    });
    row.querySelectorAll(".select2-selection__rendered").forEach((shown) => {
      shown.setAttribute("aria-label", label.textContent.trim());
    });
  });
});
