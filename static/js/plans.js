// Activity form (Rencana Aksi): indicator rows added/removed in place, and a live check against the
// server's own rules while the form is filled in.  Without JavaScript the same buttons submit the
// form and the server re-renders it, so nothing here is required.  No inline code (CSP).
(function () {
  "use strict";
  var form = document.getElementById("activity-form");
  if (!form) { return; }
  var rows = document.getElementById("indicator-rows");
  var template = document.getElementById("indicator-template");
  var warningsBox = document.getElementById("live-warnings");
  var touched = {};
  var timer = null;
  var submitted = false;

  function nextIndex() {
    var max = -1;
    rows.querySelectorAll("input[name$='-name']").forEach(function (input) {
      var m = /^indicators-(\d+)-name$/.exec(input.name);
      if (m) { max = Math.max(max, parseInt(m[1], 10)); }
    });
    return max + 1;
  }

  function addRow() {
    var index = String(nextIndex());
    var html = template.innerHTML.split("__INDEX__").join(index);
    var holder = document.createElement("tbody");
    holder.innerHTML = html;
    var row = holder.querySelector("tr");
    rows.appendChild(row);
    var first = row.querySelector("input[name$='-name']");
    if (first) { first.focus(); }
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    if (button.hasAttribute("data-add-indicator")) {
      event.preventDefault();
      addRow();
      scheduleCheck();
    } else if (button.hasAttribute("data-remove-indicator")) {
      event.preventDefault();
      var row = button.closest("tr");
      if (row) { row.remove(); }
      scheduleCheck();
    } else if (button.value === "save") {
      submitted = true;
    }
  });

  function feedbackFor(input) {
    var holder = input.parentElement;
    var box = holder.querySelector(".invalid-feedback");
    if (!box) {
      box = document.createElement("div");
      box.className = "invalid-feedback";
      input.insertAdjacentElement("afterend", box);
    }
    return box;
  }

  function show(fields) {
    form.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (!input.name || input.type === "hidden") { return; }
      var message = fields[input.name];
      if (message && (touched[input.name] || submitted)) {
        input.classList.add("is-invalid");
        feedbackFor(input).textContent = message;
      } else if (input.classList.contains("is-invalid") && touched[input.name]) {
        input.classList.remove("is-invalid");
        feedbackFor(input).textContent = "";
      }
    });
    var general = form.querySelector("[data-feedback-for='indicators']");
    if (general) { general.textContent = fields.indicators || ""; }
  }

  function showWarnings(warnings) {
    warningsBox.replaceChildren();
    warnings.forEach(function (w) {
      var div = document.createElement("div");
      div.className = "alert alert-warning py-1 small mb-1";
      div.textContent = w.message;
      warningsBox.appendChild(div);
    });
  }

  function check() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var body = new FormData(form);
    body.delete("action");
    fetch(form.dataset.checkUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: meta ? { "X-CSRFToken": meta.content } : {}
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data) { return; }
      show(data.fields || {});
      showWarnings(data.warnings || []);
    }).catch(function () { /* the server checks again on save */ });
  }

  function scheduleCheck() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 400);
  }

  form.addEventListener("change", function (event) {
    if (event.target.name) { touched[event.target.name] = true; }
    scheduleCheck();
  });
  form.addEventListener("input", function (event) {
    if (event.target.name && touched[event.target.name]) { scheduleCheck(); }
  });
})();
