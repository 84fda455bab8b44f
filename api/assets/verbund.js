// Small comforts on top of pages that work without script.
// - "Print" buttons print the page.
// - The declaration of membership asks trade, region and employees only of firms.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print]");
    if (target) {
      event.preventDefault();
      window.print();
    }
  });
  function firmFields() {
    var firm = document.querySelector('input[name="kind"][value="firm"]');
    var fields = document.getElementById("firm-fields");
    if (!firm || !fields) return;
    fields.hidden = !firm.checked;
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "kind") firmFields();
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (b) { b.hidden = false; });
    firmFields();
  });
})();
