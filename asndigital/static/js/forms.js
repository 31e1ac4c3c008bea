// Forms that forgive (forms marked data-check): every problem is found in the browser before
// anything is sent (a chosen file stays chosen: the page does not reload), shown next to its
// field and in a summary at the top, with the server's own messages (the fields' data-msg-*).
// A date typed or pasted as DD-MM-YYYY goes into the date picker. Without this script the
// browser's own checks and the server's (the same rules) still apply.
(function () {
  "use strict";

  // Django's auto_id of the field (a radio button's id has its position added): the ids of
  // its hint and its message start with it.
  function baseId(el) {
    if (!el.id) return "id_" + el.name;
    return el.type === "radio" ? el.id.replace(/_\d+$/, "") : el.id;
  }

  function container(el) {
    return el.closest("fieldset.field") || el.closest(".field") || el.parentNode;
  }

  function labelText(el) {
    var box = container(el);
    var label = box && box.querySelector("legend, label");
    return label ? label.textContent.replace("*", "").trim() : "";
  }

  function fill(template, file) {
    return (template || "").replace("{name}", file.name);
  }

  function accepted(el, file) {
    var accept = (el.getAttribute("accept") || "").toLowerCase();
    if (!accept) return true;
    var name = file.name.toLowerCase();
    return accept.split(",").some(function (ext) {
      ext = ext.trim();
      return ext.charAt(0) === "." && name.slice(-ext.length) === ext;
    });
  }

  function problem(el) {
    var data = el.dataset;
    var v = el.validity;
    if (el.type === "file") {
      var file = el.files && el.files[0];
      if (!file) return el.required ? data.msgRequired || el.validationMessage : "";
      if (file.size === 0 && data.msgEmpty) return fill(data.msgEmpty, file);
      if (data.maxSize && file.size > Number(data.maxSize)) return fill(data.msgSize, file);
      if (!accepted(el, file) && data.msgType) return fill(data.msgType, file);
      return "";
    }
    if (el.type === "date" && v.badInput) return data.msgDate || el.validationMessage;
    if (v.valueMissing) return data.msgRequired || el.validationMessage;
    if ((v.rangeUnderflow || v.rangeOverflow) && data.msgRange) return data.msgRange;
    return v.valid ? "" : el.validationMessage;
  }

  function fields(form) {
    var seen = {};
    return Array.prototype.filter.call(form.elements, function (el) {
      if (!el.name || !el.willValidate || el.type === "hidden" || seen[el.name]) return false;
      seen[el.name] = true;  // one entry for a group of radio buttons
      return true;
    });
  }

  function describedBy(el) {
    var box = container(el);
    return box && box.tagName === "FIELDSET" ? box : el;
  }

  function show(el, message) {
    var id = baseId(el) + "_error";
    var box = container(el);
    var error = document.getElementById(id);
    var target = describedBy(el);
    var ids = (target.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    var group = el.type === "radio" ? el.form.querySelectorAll("[name='" + el.name + "']") : [el];
    if (!message) {
      if (error) error.remove();
      target.setAttribute("aria-describedby", ids.filter(function (x) { return x !== id; }).join(" "));
      if (!target.getAttribute("aria-describedby")) target.removeAttribute("aria-describedby");
      Array.prototype.forEach.call(group, function (g) { g.removeAttribute("aria-invalid"); });
      if (box) box.classList.remove("has-error");
      return;
    }
    if (!error) {
      error = document.createElement("p");
      error.className = "error";
      error.id = id;
      var hint = document.getElementById(baseId(el) + "_helptext");
      var anchor = hint || (box && box.querySelector("legend, label"));
      if (anchor && anchor.closest(".check-row")) anchor = null;  // a checkbox: above its row
      if (anchor) anchor.insertAdjacentElement("afterend", error);
      else box.insertBefore(error, box.firstChild);
    }
    error.textContent = message;
    if (ids.indexOf(id) < 0) ids.push(id);
    target.setAttribute("aria-describedby", ids.join(" "));
    Array.prototype.forEach.call(group, function (g) { g.setAttribute("aria-invalid", "true"); });
    if (box) box.classList.add("has-error");
  }

  function summarise(form, problems) {
    var summary = form.querySelector(".error-summary");
    if (!problems.length) {
      if (summary) summary.remove();
      return null;
    }
    var titleId = (form.id || "form") + "-error-summary-title";
    if (!summary) {
      summary = document.createElement("div");
      summary.className = "error-summary";
      summary.setAttribute("role", "alert");
      summary.setAttribute("tabindex", "-1");
      summary.setAttribute("aria-labelledby", titleId);
      var legend = form.querySelector(".req-legend");
      form.insertBefore(summary, legend || form.querySelector(".field"));
    }
    summary.innerHTML = "";
    var title = document.createElement("h2");
    title.id = summary.getAttribute("aria-labelledby") || titleId;
    title.textContent = form.dataset.msgSummary || "";
    var list = document.createElement("ul");
    problems.forEach(function (p) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      var label = p.el.type === "checkbox" ? "" : labelText(p.el);
      var named = p.message.toLowerCase().indexOf(label.toLowerCase()) >= 0;
      link.href = "#" + (p.el.id || baseId(p.el));
      link.textContent = label && !named ? label + ": " + p.message : p.message;
      item.appendChild(link);
      list.appendChild(item);
    });
    summary.appendChild(title);
    summary.appendChild(list);
    return summary;
  }

  function check(form) {
    var problems = [];
    fields(form).forEach(function (el) {
      var message = problem(el);
      show(el, message);
      if (message) problems.push({ el: el, message: message });
    });
    // The server's own messages (not about these fields) go once the person sends again.
    var summary = summarise(form, problems);
    return summary;
  }

  // Before any other submit handler (the progress bar's): a form with problems is not sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-check")) return;
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("formnovalidate")) return;
    var summary = check(form);
    if (summary) {
      event.preventDefault();
      event.stopImmediatePropagation();
      summary.focus();
    }
  }, true);

  // A field with a problem is checked again as soon as it changes.
  function recheck(event) {
    var el = event.target;
    if (!el.form || !el.form.hasAttribute("data-check") || !el.name) return;
    var box = container(el);
    if (!box || !box.classList.contains("has-error")) return;
    show(el, problem(el));
    var summary = el.form.querySelector(".error-summary");
    if (summary) {
      var still = fields(el.form).filter(function (f) {
        var b = container(f);
        return b && b.classList.contains("has-error");
      }).map(function (f) {
        var error = document.getElementById(baseId(f) + "_error");
        return { el: f, message: error ? error.textContent : "" };
      });
      summarise(el.form, still);
    }
  }
  document.addEventListener("change", recheck);

  // A summary link puts the cursor in its field (a jump to an anchor would only scroll).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    var el = document.getElementById(link.getAttribute("href").slice(1));
    if (!el) return;
    event.preventDefault();
    var box = container(el);
    (box || el).scrollIntoView({ block: "start" });
    el.focus({ preventScroll: true });
  });

  // DD-MM-YYYY or DD/MM/YYYY pasted into a date picker (which only takes its own format).
  document.addEventListener("paste", function (event) {
    var el = event.target;
    if (!el || el.type !== "date" || !event.clipboardData) return;
    var text = event.clipboardData.getData("text").trim();
    var m = /^(\d{2})[-/](\d{2})[-/](\d{4})$/.exec(text);
    var iso = m ? m[3] + "-" + m[2] + "-" + m[1] : (/^\d{4}-\d{2}-\d{2}$/.test(text) ? text : "");
    if (!iso) return;
    event.preventDefault();
    el.value = iso;
    el.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // The chosen date in words under a date picker ("2 Maret 2015"): the picker shows the
  // browser's order of day and month, which may not be the one the person has in mind.
  function echo(el) {
    var id = baseId(el) + "_words";
    var words = document.getElementById(id);
    if (!words) {
      words = document.createElement("p");
      words.className = "hint date-words";
      words.id = id;
      words.setAttribute("aria-live", "polite");
      el.insertAdjacentElement("afterend", words);
    }
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(el.value);
    words.textContent = parts
      ? new Date(Date.UTC(+parts[1], +parts[2] - 1, +parts[3])).toLocaleDateString(
          document.documentElement.lang || undefined,
          { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" })
      : "";
  }
  document.addEventListener("change", function (event) {
    if (event.target.type === "date") echo(event.target);
  });

  // Called again by the progress script when it puts a refused form's page in place.
  function prepare(root) {
    Array.prototype.forEach.call(root.querySelectorAll("form[data-check]"), function (form) {
      form.noValidate = true;  // the checks above speak the page's language, all at once
      Array.prototype.forEach.call(form.querySelectorAll("input[type=date]"), function (el) {
        if (el.value) echo(el);
      });
    });
    var summary = root.querySelector(".error-summary");
    if (summary) summary.focus();
  }

  window.asnForms = { prepare: prepare };
  document.addEventListener("DOMContentLoaded", function () { prepare(document); });
})();
