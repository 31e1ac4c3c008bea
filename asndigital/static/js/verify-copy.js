// Compares a copy with the archived file by its SHA-256, computed on this device (Web Crypto):
// the file is never sent. Without Web Crypto (an old browser, or a page not served over HTTPS)
// the form is submitted and the server hashes the upload without keeping it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("compare-form");
    var result = document.getElementById("compare-result");
    if (!form || !result || !window.crypto || !window.crypto.subtle || !window.FileReader) return;
    function show(id, extra) {
      result.innerHTML = "";
      result.appendChild(document.getElementById(id).content.cloneNode(true));
      if (extra) {
        var p = document.createElement("p");
        p.className = "hint mono hash-full";
        p.textContent = extra;
        result.appendChild(p);
      }
    }
    form.addEventListener("submit", function (event) {
      var input = document.getElementById("copy");
      if (!input.files || !input.files.length) return;  // the browser says the file is required
      event.preventDefault();
      show("msg-working");
      input.files[0].arrayBuffer().then(function (buffer) {
        return window.crypto.subtle.digest("SHA-256", buffer);
      }).then(function (digest) {
        var hex = Array.prototype.map.call(new Uint8Array(digest), function (b) {
          return ("0" + b.toString(16)).slice(-2);
        }).join("");
        show(hex === form.dataset.expected ? "msg-match" : "msg-differ", hex);
      }).catch(function () {
        form.submit();  // could not hash here: let the server compare
      });
    });
  });
})();
