// The verifier's queue: keyboard shortcuts and keeping the claim while the page is open.
// A accept, R reason field, 1-9 a reason from the list, N next; never while typing in a field.
(function () {
  "use strict";

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function submit(id) {
    var form = document.getElementById(id);
    if (!form || form.dataset.sent) return;
    form.dataset.sent = "1"; // one press, one decision: a held key does not send twice
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var reason = document.getElementById("reason");
    if (event.key === "Escape" && document.activeElement && typing(document.activeElement)) {
      document.activeElement.blur();
      return;
    }
    if (typing(event.target)) return;
    var key = event.key.toLowerCase();
    if (key === "a") {
      event.preventDefault();
      submit("accept-form");
    } else if (key === "n") {
      event.preventDefault();
      submit("next-form");
    } else if (key === "r" && reason) {
      event.preventDefault();
      reason.focus();
    } else if (/^[1-9]$/.test(key)) {
      var choice = document.querySelector('input[name="template"][data-key="' + key + '"]');
      if (choice) {
        event.preventDefault();
        choice.checked = true;
        choice.focus();
      }
    }
  });

  // Enter on a chosen reason (or Ctrl+Enter in the text) rejects.
  var rejectForm = document.getElementById("reject-form");
  if (rejectForm) {
    rejectForm.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.target.name === "template" ||
          (event.target.id === "reason" && (event.ctrlKey || event.metaKey)))) {
        event.preventDefault();
        submit("reject-form");
      }
    });
  }

  // Keep the claim while the page is open; say so when someone else has it now.
  var item = document.getElementById("queue-item");
  if (!item || !item.dataset.mine) return;
  var url = item.dataset.renewUrl;
  var seconds = parseInt(item.dataset.renewSeconds, 10) || 60;
  var token = document.querySelector('input[name="csrfmiddlewaretoken"]');
  var status = document.getElementById("claim-status");
  var timer = setInterval(function () {
    if (document.hidden) return;
    var body = new FormData();
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      if (answer && !answer.held && status) {
        status.textContent = answer.message;
        status.className = "msg error claim-banner";
        clearInterval(timer);
      }
    }).catch(function () { /* offline for a moment: the next round tries again */ });
  }, seconds * 1000);
})();
