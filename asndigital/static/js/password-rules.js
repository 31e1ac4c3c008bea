// Shows, as the person types, which password rules the new password already meets.
// Only what can be judged in the browser (length, the two entries alike, character classes);
// the server decides, with the blocklist and the personal rules.
(function () {
  "use strict";
  function setup(box) {
    var form = box.closest("form");
    if (!form) return;
    var first = form.querySelector('input[name="new_password1"]');
    var second = form.querySelector('input[name="new_password2"]');
    if (!first) return;
    var min = parseInt(box.dataset.min, 10) || 12;
    var max = parseInt(box.dataset.max, 10) || 128;
    var classes = box.dataset.classes === "1";
    function mark(rule, met, touched) {
      var item = box.querySelector('[data-rule="' + rule + '"]');
      if (!item) return;
      item.classList.toggle("met", touched && met);
      item.classList.toggle("unmet", touched && !met);
    }
    function update() {
      var value = first.value;
      var length = Array.from(value.normalize("NFKC")).length;
      var touched = value.length > 0;
      mark("length", length >= min && length <= max, touched);
      mark("classes", /[A-Z]/.test(value) && /[a-z]/.test(value) && /\d/.test(value) &&
        /[^A-Za-z0-9\s]/.test(value), touched && classes);
      if (second) mark("match", value === second.value && touched, second.value.length > 0);
    }
    first.addEventListener("input", update);
    if (second) second.addEventListener("input", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-password-rules]").forEach(setup);
  });
})();
