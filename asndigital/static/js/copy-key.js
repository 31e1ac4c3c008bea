// "Copy key" next to the authenticator key: copies it without the spaces that group it for the
// eye. Without the Clipboard API (an old browser, or a page not served over HTTPS) the key is
// selected instead, so the phone's own "Copy" is one tap away.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("copy-key");
    var key = document.getElementById("secret-key");
    if (!button || !key) return;
    button.hidden = false;
    function select() {
      var range = document.createRange();
      range.selectNodeContents(key);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    button.addEventListener("click", function () {
      var text = key.textContent.replace(/\s+/g, "");
      if (!navigator.clipboard || !window.isSecureContext) {
        select();
        return;
      }
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = button.dataset.done;
      }, select);
    });
  });
})();
