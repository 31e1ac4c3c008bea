// Passkeys (WebAuthn). A form with data-passkey="get" (sign in) or "create" (add a passkey) and
// data-options-url: on submit, fetch the options from the server, ask the browser (which asks
// the phone's or computer's fingerprint, face or PIN), put the answer into the hidden
// "credential" field and submit the form. The texts people see come from the form's
// data-msg-* attributes (translated by the server).
(function () {
  "use strict";

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var raw = window.atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    if (!buffer) return null;
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return window.btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (c) {
      return { type: c.type, id: toBytes(c.id), transports: c.transports };
    });
  }

  function creationOptions(o) {
    o.challenge = toBytes(o.challenge);
    o.user.id = toBytes(o.user.id);
    o.excludeCredentials = descriptors(o.excludeCredentials);
    return { publicKey: o };
  }

  function requestOptions(o) {
    o.challenge = toBytes(o.challenge);
    o.allowCredentials = descriptors(o.allowCredentials);
    return { publicKey: o };
  }

  function answer(credential) {
    var r = credential.response;
    var response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      response.userHandle = toText(r.userHandle);
    }
    return JSON.stringify({
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    });
  }

  function setUp(form) {
    var mode = form.getAttribute("data-passkey");
    var output = form.querySelector("[data-passkey-message]");
    var button = form.querySelector("button[type=submit]");
    function say(text) {
      output.textContent = text;
      output.hidden = false;
      if (button) button.disabled = false;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!window.PublicKeyCredential || !navigator.credentials) {
        say(form.getAttribute("data-msg-unsupported"));
        return;
      }
      if (!form.reportValidity()) return;
      if (button) button.disabled = true;
      output.hidden = true;
      var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
      fetch(form.getAttribute("data-options-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, Accept: "application/json" },
      })
        .then(function (response) {
          return response.json().then(function (body) {
            if (!response.ok) throw { serverMessage: body.error };
            return body;
          });
        })
        .then(function (options) {
          return mode === "create"
            ? navigator.credentials.create(creationOptions(options))
            : navigator.credentials.get(requestOptions(options));
        })
        .then(function (credential) {
          form.querySelector("[name=credential]").value = answer(credential);
          form.submit();
        })
        .catch(function (error) {
          if (error && error.serverMessage) say(error.serverMessage);
          else if (error && error.name === "NotAllowedError") say(form.getAttribute("data-msg-cancelled"));
          else if (error && error.name === "InvalidStateError") say(form.getAttribute("data-msg-exists"));
          else say(form.getAttribute("data-msg-failed"));
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-passkey]"), setUp);
  });
})();
