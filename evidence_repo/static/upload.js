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

  function send(file, ui, single) {
    return new Promise(function (resolve) {
      var data = new FormData(form);
      data.delete(fileInput.name);
      if (!single) data.set("title", "");
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
        ui.bar.value = 100;
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
    if (!files.length) return; // let the server explain what is missing
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    area.hidden = false;
    area.textContent = "";
    var list = el("ol", "upload-list");
    area.append(list);
    var jobs = files.map(function (file) {
      var ui = row(file);
      list.append(ui.item);
      return { file: file, ui: ui };
    });
    var stored = 0, milestoneUrl = null;
    var chain = Promise.resolve();
    jobs.forEach(function (job) {
      chain = chain.then(function () {
        if (job.file.size > maxBytes) {
          job.ui.item.classList.add("failed");
          job.ui.state.textContent = t("tooLarge", { mb: maxMb });
          return;
        }
        return send(job.file, job.ui, files.length === 1).then(function (r) {
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
      if (stored === files.length) fileInput.value = "";
    });
  });
})();
