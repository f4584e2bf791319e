/* Report data entry: autosave every 20 s and after each change, and a copy on this device so
   that a lost connection or a closed browser loses nothing. No framework; HTMX (loaded by the
   base page) shows the server's checks next to the fields. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form || form.dataset.editable !== "1") return;
  var text = JSON.parse((document.getElementById("report-form-messages") || {}).textContent || "{}");
  var statusLine = document.getElementById("save-status");
  var reportId = form.dataset.report;
  var revision = parseInt(form.dataset.revision, 10) || 0;
  var serverUpdated = parseInt(form.dataset.updated, 10) || 0;
  var prefix = "aimak:report:" + reportId + ":";
  var dirty = false, saving = false, timer = null;

  function fields() {
    var out = {};
    new FormData(form).forEach(function (value, name) {
      if (name.indexOf("value:") === 0 || name === "narrative" || name === "sources") out[name] = value;
    });
    return out;
  }
  function storage() { try { return window.localStorage; } catch (e) { return null; } }
  function keep() {
    var s = storage(); if (!s) return;
    try { s.setItem(prefix + revision, JSON.stringify({ revision: revision, at: Date.now(), fields: fields() })); } catch (e) { /* full */ }
  }
  function copies() {
    var s = storage(), found = [];
    if (!s) return found;
    for (var i = 0; i < s.length; i++) {
      var key = s.key(i);
      if (key && key.indexOf(prefix) === 0) {
        try { found.push(JSON.parse(s.getItem(key))); } catch (e) { /* ignore */ }
      }
    }
    return found.sort(function (a, b) { return b.at - a.at; });
  }
  function forget() {
    var s = storage(); if (!s) return;
    for (var i = s.length - 1; i >= 0; i--) { var key = s.key(i); if (key && key.indexOf(prefix) === 0) s.removeItem(key); }
  }
  function show(message, kind) {
    if (!statusLine) return;
    statusLine.textContent = message;
    statusLine.className = "save-status" + (kind ? " " + kind : "");
  }
  function showErrors(errors, warnings) {
    form.querySelectorAll("[data-errors-for]").forEach(function (list) {
      var name = list.getAttribute("data-errors-for");
      list.innerHTML = "";
      (errors[name] || []).forEach(function (m) { var li = document.createElement("li"); li.textContent = m; list.appendChild(li); });
      (warnings[name] || []).forEach(function (m) { var li = document.createElement("li"); li.className = "warn"; li.textContent = m; list.appendChild(li); });
      var input = document.getElementById("f-" + list.id.slice(4));
      if (input) { if ((errors[name] || []).length) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid"); }
    });
  }
  function save() {
    if (saving || !dirty) return;
    if (navigator.onLine === false) { keep(); show(text.offline, "warn"); return; }
    saving = true;
    var sent = JSON.stringify(fields());
    var body = new FormData(form);
    body.set("revision", revision);
    show(text.saving);
    fetch(form.dataset.saveUrl, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.json().then(function (data) { return { status: response.status, data: data }; }); })
      .then(function (result) {
        var data = result.data;
        if (data.ok) {
          revision = data.revision;
          form.querySelector("[name=revision]").value = revision;
          forget();
          dirty = JSON.stringify(fields()) !== sent;
          if (dirty) keep();
          show(text.saved.replace("{time}", data.saved_label || ""), "ok");
          showErrors({}, data.warnings || {});
        } else {
          keep();
          show(result.status === 409 ? text.conflict : text.notSaved, "bad");
          showErrors(data.errors || {}, {});
        }
      })
      .catch(function () { keep(); show(text.offline, "warn"); })
      .then(function () { saving = false; });
  }

  form.addEventListener("input", function () { dirty = true; keep(); show(text.unsaved); });
  form.addEventListener("change", function () {
    dirty = true; keep();
    clearTimeout(timer); timer = setTimeout(save, 1500);
  });
  form.addEventListener("submit", function () { keep(); });
  window.setInterval(save, 20000);
  window.addEventListener("online", save);
  window.addEventListener("offline", function () { show(text.offline, "warn"); });

  // A copy newer than the server's last save: offer it back.
  var newest = copies()[0];
  var box = document.getElementById("restore-copy");
  if (newest && newest.at > serverUpdated && JSON.stringify(newest.fields) !== JSON.stringify(fields()) && box) {
    box.hidden = false;
    box.querySelector("[data-restore]").addEventListener("click", function () {
      Object.keys(newest.fields).forEach(function (name) {
        var input = form.elements.namedItem(name);
        if (input) input.value = newest.fields[name];
      });
      box.hidden = true; dirty = true; save();
    });
    box.querySelector("[data-discard]").addEventListener("click", function () { forget(); box.hidden = true; });
  } else if (newest && newest.at <= serverUpdated) {
    forget();
  }
})();
