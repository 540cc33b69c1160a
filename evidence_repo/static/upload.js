// Progressive enhancement for the upload form: one request per file, each with its own progress bar.
// Without JavaScript the form posts all files at once and the server answers with a page.
// Every word shown comes from the page (#upload-messages), in its language.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var source = document.getElementById("upload-messages");
  if (!form || !source || !window.FormData || !window.XMLHttpRequest) return;
  var messages;
  try { messages = JSON.parse(source.textContent); } catch (e) { return; }
  setupChoices();
  var area = document.getElementById("upload-progress");
  var maxBytes = parseInt(form.dataset.maxBytes, 10);
  var maxMb = form.dataset.maxMb;
  var fileInput = form.querySelector('input[type="file"]');
  var meansSelect = form.querySelector('select[name="means"]');
  var fileMeans = document.getElementById("file-means");
  setupFilePicker();
  focusFirstError();
  setupFileMeans();

  // t("saved", {id: 7}) -> the "saved" message with {id} replaced.
  function t(key, values) {
    return String(messages[key] || key).replace(/\{(\w+)\}/g, function (slot, name) {
      return values && name in values ? String(values[name]) : slot;
    });
  }

  // Commitment first: milestones of the chosen commitment only, activities of the chosen milestone only, and the
  // means that milestone requires first (the rest under "Otro medio"). The server renders every option (the form
  // works without JavaScript) and checks the combination.
  function setupChoices() {
    var commitment = form.querySelector('select[name="commitment"]');
    var milestone = form.querySelector('select[name="milestone"]');
    var activity = form.querySelector('select[name="activity"]');
    var means = form.querySelector('select[name="means"]');
    if (!milestone || !activity || !means) return;
    function options(select) {
      return Array.prototype.slice.call(select.querySelectorAll("option")).map(function (o) {
        var copy = o.cloneNode(true);
        copy.selected = false;
        copy.removeAttribute("selected");
        return { option: copy, group: o.parentNode.tagName === "OPTGROUP" ? o.parentNode.label : null };
      });
    }
    var allMilestones = options(milestone), allActivities = options(activity), allMeans = options(means);
    function placeholder(list) { return list.filter(function (o) { return !o.option.value; })[0]; }
    function rebuild(select, list, keep) {
      var previous = keep ? select.value : "";
      select.textContent = "";
      var groups = {};
      list.forEach(function (o) {
        var node = o.option.cloneNode(true);
        if (!o.group) { select.append(node); return; }
        if (!groups[o.group]) {
          groups[o.group] = document.createElement("optgroup");
          groups[o.group].label = o.group;
          select.append(groups[o.group]);
        }
        groups[o.group].append(node);
      });
      var match = Array.prototype.slice.call(select.options).filter(function (o) { return o.value === previous; })[0];
      select.value = match ? previous : "";
    }
    function chosenCommitment() { return commitment ? commitment.value : ""; }
    function chosenMilestone() {
      var option = milestone.options[milestone.selectedIndex];
      return option && option.value ? option : null;
    }
    function filterMilestones(keep) {
      var slug = chosenCommitment();
      var list = allMilestones.filter(function (o) {
        return !o.option.value || !commitment || o.option.dataset.commitment === slug;
      }).map(function (o) { return { option: o.option, group: commitment ? null : o.group }; });
      rebuild(milestone, list, keep);
      milestone.disabled = commitment ? !slug : false;
    }
    function filterActivities(keep) {
      var m = chosenMilestone();
      var list = allActivities.filter(function (o) {
        return !o.option.value || (m && o.option.dataset.milestone === m.value &&
          o.option.dataset.commitment === m.dataset.commitment);
      }).map(function (o) { return { option: o.option, group: null }; });
      rebuild(activity, list, keep);
    }
    function orderMeans() {
      var m = chosenMilestone();
      var required = [];
      try { required = m ? JSON.parse(m.dataset.means || "[]") : []; } catch (e) { required = []; }
      var named = allMeans.filter(function (o) { return o.option.value; });
      var list = [placeholder(allMeans)];
      if (required.length) {
        var label = t("requiredMeans", { n: m.value });
        required.forEach(function (name) {
          var found = named.filter(function (o) { return o.option.value === name; })[0];
          if (found) list.push({ option: found.option, group: label });
        });
        named.forEach(function (o) {
          if (required.indexOf(o.option.value) < 0) list.push({ option: o.option, group: t("otherMeans") });
        });
      } else {
        named.forEach(function (o) { list.push({ option: o.option, group: null }); });
      }
      rebuild(means, list.filter(Boolean), true);
    }
    if (commitment) {
      commitment.addEventListener("change", function () {
        filterMilestones(false); filterActivities(false); orderMeans();
      });
    }
    milestone.addEventListener("change", function () { filterActivities(false); orderMeans(); });
    filterMilestones(true); filterActivities(true); orderMeans();
  }

  // Errors at their field: the message under the control, which is marked invalid and described by it.
  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (node) { node.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll(".has-error"), function (node) {
      node.classList.remove("has-error");
    });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (control) {
      control.removeAttribute("aria-invalid");
      var ids = (control.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
        return id && !/-error$/.test(id);
      });
      if (ids.length) control.setAttribute("aria-describedby", ids.join(" "));
      else control.removeAttribute("aria-describedby");
    });
  }

  function showError(control, message) {
    if (!control) return;
    var holder = control.closest("li") || control.closest(".field") || control.parentNode;
    holder.classList.add("has-error");
    var note = el("p", "field-error", message);
    note.id = (control.id || control.name) + "-error";
    var old = document.getElementById(note.id);
    if (old) old.remove();
    holder.append(note);
    control.setAttribute("aria-invalid", "true");
    var ids = (control.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    if (ids.indexOf(note.id) < 0) ids.push(note.id);
    control.setAttribute("aria-describedby", ids.join(" "));
  }

  // The first invalid control in the page's order gets the focus (also after the server sent the form back).
  function focusFirstError() {
    var first = form.querySelector('[aria-invalid="true"]');
    if (!first) return false;
    first.focus();
    if (first.scrollIntoView) first.scrollIntoView({ block: "center" });
    return true;
  }

  // The browser's own file button speaks the browser's language ("Choose Files" on a Spanish page): the input
  // stays (focusable, labelled "Archivos") but is shown as a button and a line in the page's language.
  function setupFilePicker() {
    if (!fileInput) return;
    var picker = el("div", "file-picker");
    var button = el("span", "button secondary file-button", t("chooseFilesButton"));
    var status = el("span", "file-status", t("noFiles"));
    status.id = "files-status";
    fileInput.parentNode.insertBefore(picker, fileInput);
    picker.append(fileInput, button, status);
    fileInput.classList.add("file-input");
    var ids = (fileInput.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    ids.push(status.id);
    fileInput.setAttribute("aria-describedby", ids.join(" "));
    function update() {
      var files = Array.prototype.slice.call(fileInput.files || []);
      status.textContent = !files.length ? t("noFiles") : files.length === 1 ? files[0].name
        : t("someFiles", { n: files.length, names: files.map(function (f) { return f.name; }).join(", ") });
    }
    fileInput.addEventListener("change", update);
    update();
  }

  // Several files may each take their own means: one select per chosen file, "as above" by default.
  function setupFileMeans() {
    if (!fileMeans || !meansSelect || !fileInput) return;
    fileInput.addEventListener("change", renderFileMeans);
    ["milestone", "commitment"].forEach(function (name) {
      var select = form.querySelector('select[name="' + name + '"]');
      if (select) select.addEventListener("change", syncFileMeans);
    });
    renderFileMeans();
  }

  function perFileSelects() {
    return fileMeans ? Array.prototype.slice.call(fileMeans.querySelectorAll("select")) : [];
  }

  function syncFileMeans() {
    perFileSelects().forEach(function (select) {
      var keep = select.value;
      select.innerHTML = meansSelect.innerHTML;
      select.options[0].textContent = t("sameMeans");
      select.value = keep;
      if (select.value !== keep) select.value = "";
    });
  }

  function renderFileMeans() {
    var files = Array.prototype.slice.call(fileInput.files || []);
    fileMeans.textContent = "";
    fileMeans.hidden = files.length < 2;
    if (files.length < 2) return;
    var legend = el("legend", null, t("fileMeansLegend"));
    var help = el("p", "help", t("fileMeansHelp"));
    help.id = "file-means-help";
    var list = el("ul", "file-means");
    files.forEach(function (file, i) {
      var item = el("li");
      var select = document.createElement("select");
      select.id = "file-means-" + i;
      select.dataset.file = String(i);
      select.setAttribute("aria-describedby", "file-means-help");
      var label = el("label", null, t("fileMeansLabel", { name: file.name }));
      label.htmlFor = select.id;
      item.append(label, select);
      list.append(item);
    });
    fileMeans.append(legend, help, list);
    syncFileMeans();
  }

  // What must be chosen before any byte is sent: shown at each field, the first one focused.
  function checkRequired(files) {
    var ok = true;
    var commitment = form.querySelector('select[name="commitment"]');
    var milestone = form.querySelector('select[name="milestone"]');
    if (commitment && !commitment.value) { showError(commitment, t("chooseCommitment")); ok = false; }
    if (!files.length) { showError(fileInput, t("chooseFiles")); ok = false; }
    if (milestone && !milestone.value) { showError(milestone, t("chooseMilestone")); ok = false; }
    if (meansSelect && !meansSelect.value) {
      var selects = perFileSelects();
      var own = selects.filter(function (s) { return s.value; });
      if (files.length < 2 || !own.length) {
        showError(meansSelect, t(files.length < 2 ? "chooseMeans" : "chooseMeansEach"));
        ok = false;
      } else {
        selects.forEach(function (s) {
          if (!s.value) { showError(s, t("chooseMeansFile")); ok = false; }
        });
      }
    }
    return ok;
  }

  // The means a file is sent with: its own, else the form's.
  function meansFor(index) {
    var own = perFileSelects().filter(function (s) { return s.dataset.file === String(index); })[0];
    return own && own.value ? { value: own.value, control: own } : { value: meansSelect ? meansSelect.value : "",
      control: meansSelect };
  }

  // The server's answer names the fields it refused: each message goes to its field.
  function showServerErrors(fields, means) {
    Object.keys(fields || {}).forEach(function (name) {
      if (name === "file") return; // about this file only: its row says it
      var control = name === "means" ? means.control
        : form.querySelector('[name="' + (name === "files" ? fileInput.name : name) + '"]');
      if (control && control.type === "radio") control = form.querySelector('[name="' + name + '"]:checked') || control;
      showError(control, fields[name]);
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function row(file) {
    var item = el("li", "upload-item");
    var name = el("span", "upload-name", file.name);
    var bar = el("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", t("progress", { name: file.name }));
    var state = el("span", "upload-state", t("waiting"));
    item.append(name, bar, state);
    return { item: item, bar: bar, state: state };
  }

  function errorMessage(xhr) {
    try {
      var data = JSON.parse(xhr.responseText);
      if (data.error) return data.error.message;
      if (data.results && data.results[0] && data.results[0].message) return data.results[0].message;
    } catch (e) { /* not JSON */ }
    if (xhr.status === 413) return t("tooLarge", { mb: maxMb });
    if (xhr.status === 0) return t("connectionLost");
    return t("serverStatus", { status: xhr.status });
  }

  function send(file, ui, single, means) {
    return new Promise(function (resolve) {
      var data = new FormData(form);
      data.delete(fileInput.name);
      if (!single) data.set("title", "");
      data.set("means", means.value);
      data.append(fileInput.name, file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          ui.bar.value = Math.round((e.loaded / e.total) * 100);
          ui.state.textContent = ui.bar.value + " %";
        }
      });
      xhr.addEventListener("load", function () {
        var ok = xhr.status === 201;
        ui.bar.value = 100; // full either way: the colour and the sign say how it went
        ui.item.classList.add(ok ? "done" : "failed");
        ui.state.textContent = "";
        if (ok) {
          var result = JSON.parse(xhr.responseText);
          var link = el("a", null, t("saved", { id: result.results[0].id }));
          link.href = result.results[0].url;
          ui.state.append(link);
          resolve({ ok: true, milestoneUrl: result.milestone_url });
        } else {
          ui.state.textContent = errorMessage(xhr);
          var fields = null;
          try { fields = JSON.parse(xhr.responseText).error.fields; } catch (e) { /* ignore */ }
          showServerErrors(fields, means);
          resolve({ ok: false, fields: fields });
        }
      });
      xhr.addEventListener("error", function () {
        ui.item.classList.add("failed");
        ui.state.textContent = t("connectionLost");
        resolve({ ok: false });
      });
      ui.state.textContent = t("uploading");
      xhr.send(data);
    });
  }

  form.addEventListener("submit", function (event) {
    var files = Array.prototype.slice.call(fileInput.files || []);
    event.preventDefault();
    clearErrors();
    if (!checkRequired(files)) {
      area.hidden = true;
      focusFirstError();
      return;
    }
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    area.hidden = false;
    area.textContent = "";
    var list = el("ol", "upload-list");
    area.append(list);
    var jobs = files.map(function (file, index) {
      var ui = row(file);
      list.append(ui.item);
      return { file: file, ui: ui, means: meansFor(index) };
    });
    var stored = 0, milestoneUrl = null;
    var chain = Promise.resolve();
    jobs.forEach(function (job) {
      chain = chain.then(function () {
        if (job.file.size > maxBytes) {
          job.ui.item.classList.add("failed");
          job.ui.bar.value = 100;
          job.ui.state.textContent = t("tooLarge", { mb: maxMb });
          return;
        }
        return send(job.file, job.ui, files.length === 1, job.means).then(function (r) {
          if (r.ok) { stored += 1; milestoneUrl = r.milestoneUrl; }
        });
      });
    });
    chain.then(function () {
      button.disabled = false;
      var summary = el("p", "upload-summary", t("summary", { stored: stored, total: files.length }) + " ");
      if (milestoneUrl) {
        var link = el("a", null, t("milestoneLink"));
        link.href = milestoneUrl;
        summary.append(link);
      }
      area.append(summary);
      if (stored === files.length) { fileInput.value = ""; renderFileMeans(); }
      focusFirstError();
    });
  });
})();
