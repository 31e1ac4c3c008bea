// Shows how far an upload has come. Without this script the form still works (plain submit).
// forms.js checks the form first; a form with problems never gets here.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.id !== "upload-form" || !window.XMLHttpRequest) return;
    var bar = document.getElementById("upload-progress");
    if (!bar || !window.DOMParser) return;
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.setRequestHeader("X-Upload-Progress", "1");
    bar.hidden = false;
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
      b.disabled = true;  // one upload at a time
    });
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    request.addEventListener("load", function () {
      var type = request.getResponseHeader("Content-Type") || "";
      if (type.indexOf("application/json") === 0) {
        window.location.assign(JSON.parse(request.responseText).redirect);  // stored
        return;
      }
      // Refused: the page comes back with the reasons (and says which file it holds).
      var page = new DOMParser().parseFromString(request.responseText, "text/html");
      var main = document.querySelector("main");
      var fresh = page.querySelector("main");
      if (!main || !fresh) {
        document.open();
        document.write(request.responseText);
        document.close();
        return;
      }
      main.innerHTML = fresh.innerHTML;
      document.title = page.title;
      window.scrollTo(0, 0);
      if (window.asnForms) window.asnForms.prepare(main);
    });
    request.addEventListener("error", function () {
      bar.hidden = true;  // the connection broke: the button works again for another try
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
        b.disabled = false;
      });
    });
    request.send(new FormData(form));
  });
})();
