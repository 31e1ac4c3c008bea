// Shows how far an upload has come. Without this script the form still works (plain submit).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("upload-form");
    var bar = document.getElementById("upload-progress");
    if (!form || !bar || !window.XMLHttpRequest) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action || window.location.href);
      request.setRequestHeader("X-Upload-Progress", "1");
      bar.hidden = false;
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      request.addEventListener("load", function () {
        var type = request.getResponseHeader("Content-Type") || "";
        if (type.indexOf("application/json") === 0) {
          window.location.assign(JSON.parse(request.responseText).redirect);  // stored
          return;
        }
        document.open();  // refused: show the form again with the reasons
        document.write(request.responseText);
        document.close();
      });
      request.send(new FormData(form));
    });
  });
})();
