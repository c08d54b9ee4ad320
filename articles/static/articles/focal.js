/* The focal point picker: a click on the picture sets where its crops centre. The two number
   fields beside it stay the truth (and work without this script). */
"use strict";
(function () {
  function setUp(picker) {
    const x = document.querySelector("#id_focal_x");
    const y = document.querySelector("#id_focal_y");
    const marker = picker.querySelector(".focal-picker__marker");
    if (!x || !y || !marker) return;
    const show = () => {
      marker.style.left = `${Number(x.value) * 100}%`;
      marker.style.top = `${Number(y.value) * 100}%`;
    };
    picker.querySelector("img").addEventListener("click", (event) => {
      const box = event.currentTarget.getBoundingClientRect();
      const share = (value) => Math.min(1, Math.max(0, value)).toFixed(3);
      x.value = share((event.clientX - box.left) / box.width);
      y.value = share((event.clientY - box.top) / box.height);
      show();
    });
    x.addEventListener("input", show);
    y.addEventListener("input", show);
    show();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".focal-picker").forEach(setUp);
  });
})();
