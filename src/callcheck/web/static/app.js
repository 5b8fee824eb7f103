// The practice page: record (MediaRecorder) or pick a file, send it to /api/analyze,
// poll /api/jobs/{id}, show the coaching report in a frame, and the agent's history.
// No external resources; texts come from the page's JSON config.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("config").textContent);
  var T = config.texts;
  var STAGES = ["audio", "vad", "layout", "language", "asr", "measure", "rules"];
  var $ = function (id) { return document.getElementById(id); };
  var pending = null;        // the File or Blob to analyse
  var pendingLayout = "auto"; // "single" for a microphone recording: the agent alone
  var recorder = null, chunks = [], recStart = 0, recTimer = null, pollTimer = null;

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, key) { return key in values ? values[key] : m; });
  }
  function clock(seconds) {
    var s = Math.floor(seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function grade(score) { return score >= 80 ? "good" : score >= 60 ? "fair" : "poor"; }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  // ---- form: scenario prompt, remembered agent name ----
  function showPrompt() {
    var chosen = config.scenarios.filter(function (s) { return s.id === $("scenario").value; })[0];
    $("scenario-prompt").textContent = chosen ? chosen.prompt : "";
  }
  $("scenario").addEventListener("change", showPrompt);
  showPrompt();
  try { $("agent").value = localStorage.getItem("callcheck.agent") || ""; } catch (e) { /* storage disabled */ }
  $("agent").addEventListener("change", function () {
    try { localStorage.setItem("callcheck.agent", $("agent").value.trim()); } catch (e) { /* ignore */ }
    loadHistory();
  });

  function choose(blob, label) {
    pending = blob;
    $("chosen").textContent = label || "";
  }

  // ---- recording ----
  function pickMime() {
    var types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];
    for (var i = 0; i < types.length; i++) {
      if (window.MediaRecorder && MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(types[i])) {
        return types[i];
      }
    }
    return "";
  }
  function startRecording() {
    if (!navigator.mediaDevices || !window.MediaRecorder) { return showError(T.no_recorder); }
    navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: false,
      noiseSuppression: false, autoGainControl: false } }).then(function (stream) {
      var mime = pickMime();
      recorder = new MediaRecorder(stream, mime ? { mimeType: mime } : undefined);
      chunks = [];
      recorder.ondataavailable = function (e) { if (e.data && e.data.size) { chunks.push(e.data); } };
      recorder.onstop = function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        var type = recorder.mimeType || mime || "audio/webm";
        var blob = new Blob(chunks, { type: type });
        var ext = type.indexOf("ogg") >= 0 ? "ogg" : type.indexOf("mp4") >= 0 ? "m4a" : "webm";
        var file = new File([blob], "recording." + ext, { type: type });
        $("preview").src = URL.createObjectURL(blob);
        $("preview").hidden = false;
        $("file").value = "";
        choose(file, T.recorded + " (" + clock((Date.now() - recStart) / 1000) + ")");
        pendingLayout = "single";
        setRecordingUi(false);
      };
      recorder.start(1000);
      recStart = Date.now();
      setRecordingUi(true);
    }).catch(function () { showError(T.mic_denied); });
  }
  function stopRecording() { if (recorder && recorder.state !== "inactive") { recorder.stop(); } }
  function setRecordingUi(on) {
    $("record").classList.toggle("on", on);
    $("record-label").textContent = on ? T.stop : T.record;
    $("rec-time").hidden = !on;
    $("analyze").disabled = on;
    clearInterval(recTimer);
    if (on) {
      recTimer = setInterval(function () {
        var seconds = (Date.now() - recStart) / 1000;
        $("rec-time").textContent = T.recording + " " + clock(seconds);
        if (seconds >= config.limits.max_duration_s) { stopRecording(); }
      }, 250);
    }
  }
  $("record").addEventListener("click", function () {
    if (recorder && recorder.state === "recording") { stopRecording(); } else { startRecording(); }
  });
  $("file").addEventListener("change", function () {
    var file = $("file").files[0];
    if (file) { $("preview").hidden = true; choose(file, file.name); pendingLayout = "auto"; }
  });

  // ---- analysis: upload, poll, show ----
  function showStatus(text, progress, stage, failed) {
    $("status").hidden = false;
    $("status").classList.toggle("failed", !!failed);
    $("status-text").textContent = text;
    $("progress").value = progress;
    var steps = $("steps");
    steps.textContent = "";
    if (stage === undefined) { return; }
    var now = stage === null ? STAGES.length : STAGES.indexOf(stage);
    STAGES.forEach(function (name, i) {
      steps.appendChild(el("li", { "class": i < now ? "done" : i === now ? "now" : "" }, T["stage_" + name]));
    });
  }
  function showError(message) { showStatus(message, 0, undefined, true); }

  function analyze() {
    if (!pending) { return showError(T.choose_first); }
    var form = new FormData();
    form.append("file", pending, pending.name || "recording.webm");
    if ($("agent").value.trim()) { form.append("agent", $("agent").value.trim()); }
    form.append("language", $("language").value);
    form.append("scenario", $("scenario").value);
    form.append("layout", pendingLayout);
    form.append("report_language", config.language);
    $("analyze").disabled = true;
    $("result").hidden = true;
    showStatus(T.sending, 0);
    fetch("/api/analyze", { method: "POST", body: form }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.detail || response.statusText); }
        poll(body.job_id, Date.now());
      });
    }).catch(function (err) {
      $("analyze").disabled = false;
      showError(T.failed + ": " + (err.message || T.network));
    });
  }
  $("analyze").addEventListener("click", analyze);

  function poll(jobId, started) {
    clearTimeout(pollTimer);
    fetch("/api/jobs/" + encodeURIComponent(jobId)).then(function (r) { return r.json(); }).then(function (job) {
      $("elapsed").textContent = fmt(T.elapsed, { seconds: Math.round((Date.now() - started) / 1000) });
      if (job.status === "queued") {
        showStatus(fmt(T.queued, { position: job.position }), 0, STAGES[0]);
      } else if (job.status === "running") {
        showStatus(T.running + " " + T["stage_" + job.stage], job.progress, job.stage);
      } else if (job.status === "done") {
        showStatus(T.done, 1, null);
        $("analyze").disabled = false;
        return showResult(job);
      } else {
        $("analyze").disabled = false;
        return showError(T.failed + ": " + (job.error || job.detail || ""));
      }
      pollTimer = setTimeout(function () { poll(jobId, started); }, 700);
    }).catch(function () {
      pollTimer = setTimeout(function () { poll(jobId, started); }, 2000);
    });
  }

  function showResult(job) {
    var score = job.score;
    $("result-score").textContent = score === null || score === undefined ? "–" : String(score);
    $("result-score").className = score === null || score === undefined ? "" : grade(score);
    var url = job.report_url + "?lang=" + encodeURIComponent(config.language);
    $("open-report").href = url;
    $("report-frame").src = url;
    $("result").hidden = false;
    $("result").scrollIntoView({ behavior: "smooth", block: "start" });
    loadHistory();
  }

  // ---- history ----
  function loadHistory() {
    var agent = $("agent").value.trim();
    var body = $("history-body");
    if (!agent) { body.textContent = ""; body.appendChild(el("p", { "class": "muted" }, T.history_none)); return; }
    fetch("/api/history?agent=" + encodeURIComponent(agent) + "&lang=" + config.language)
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (history) { if (history) { renderHistory(history); } });
  }

  function renderHistory(history) {
    var body = $("history-body");
    body.textContent = "";
    if (!history.attempts.length) { body.appendChild(el("p", { "class": "muted" }, T.history_empty)); return; }
    var grid = el("div", { "class": "history-grid" });
    var left = el("div"), right = el("div");
    left.appendChild(el("h3", {}, T.trend));
    left.appendChild(trendSvg(history.trend.scores));
    if (history.trend.change !== null) {
      var sign = history.trend.change > 0 ? "+" : "";
      left.appendChild(el("p", { "class": "muted" }, fmt(T.change, { change: sign + history.trend.change })));
    }
    right.appendChild(el("h3", {}, T.recurring));
    if (!history.recurring.length) { right.appendChild(el("p", { "class": "muted" }, T.recurring_none)); }
    var list = el("ul", { "class": "recurring" });
    history.recurring.forEach(function (item) {
      var li = el("li", {}, item.title + " ");
      li.appendChild(el("span", { "class": "count" }, fmt(T.failed_of, { failed: item.failed, of: item.of })));
      list.appendChild(li);
    });
    if (history.recurring.length) { right.appendChild(list); }
    grid.appendChild(left);
    grid.appendChild(right);
    body.appendChild(grid);
    body.appendChild(attemptsTable(history.attempts));
  }

  function attemptsTable(attempts) {
    var titles = {};
    config.scenarios.forEach(function (s) { titles[s.id] = s.title; });
    var table = el("table", { "class": "attempts" });
    var head = el("tr");
    [T.when, T.exercise, T.score, T.failed_checks].forEach(function (h) { head.appendChild(el("th", {}, h)); });
    table.appendChild(el("thead")).appendChild(head);
    var tbody = table.appendChild(el("tbody"));
    attempts.slice().reverse().forEach(function (a) {
      var row = el("tr");
      var when = new Date(a.started_at || a.analyzed_at);
      row.appendChild(el("td", {}, isNaN(when) ? "" : when.toLocaleString(config.language)));
      row.appendChild(el("td", {}, titles[a.scenario] || a.scenario || ""));
      var score = a.score === null ? (a.status === "no_speech" ? T.no_speech : "–") : String(a.score);
      row.appendChild(el("td", { "class": "score " + (a.score === null ? "" : grade(a.score)) }, score));
      row.appendChild(el("td", {}, a.failed_rules.map(function (r) { return config.rules[r] || r; }).join(", ")));
      tbody.appendChild(row);
    });
    return table;
  }

  function trendSvg(scores) {
    var NS = "http://www.w3.org/2000/svg", w = 360, h = 120, pad = 24;
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("class", "trend");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", T.trend + ": " + scores.join(", "));
    function add(tag, attrs, text) {
      var node = document.createElementNS(NS, tag);
      Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      if (text !== undefined) { node.textContent = text; }
      return svg.appendChild(node);
    }
    var y = function (s) { return h - pad / 2 - (s / 100) * (h - pad); };
    var x = function (i) { return scores.length < 2 ? w / 2 : pad + i * (w - 2 * pad) / (scores.length - 1); };
    [0, 50, 100].forEach(function (s) {
      add("line", { x1: pad, x2: w - pad / 2, y1: y(s), y2: y(s) });
      add("text", { x: 2, y: y(s) + 3 }, String(s));
    });
    add("polyline", { points: scores.map(function (s, i) { return x(i) + "," + y(s); }).join(" ") });
    scores.forEach(function (s, i) { add("circle", { cx: x(i), cy: y(s), r: 3.5 }).appendChild(
      document.createElementNS(NS, "title")).textContent = String(s); });
    return svg;
  }

  loadHistory();
})();
