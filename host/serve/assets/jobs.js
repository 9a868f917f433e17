// tdw dashboard: jobs. Start training or analysis from the page, follow
// each job's progress over server-sent events, cancel it. The jobs panel
// under the header lists the server's jobs; on load it fetches /api/jobs
// and reattaches to the running ones, so a job survives a page reload.
// The controls are added to the views app.js draws (a "Train…" form over
// the variants table, Analyze/Train/Resume/Extend on a variant page) when
// they appear in #main; when a job ends the open view is redrawn.
// A read-only server (tdw-host serve --read-only) answers 403: no controls.
"use strict";

const jobs = {
  enabled: false,
  list: [],             // Info objects, newest first
  streams: new Map(),   // job id → true while it is polled
  families: null,       // GET /api/families
  panel: null,
};

(function jobStyle() {
  const s = document.createElement("style");
  s.textContent = `
#jobs { margin: 6px 16px; font-size: 13px; }
#jobs:empty { display: none; }
#jobs .job { display: flex; gap: 10px; align-items: center; padding: 3px 0; border-bottom: 1px solid #eee; }
#jobs .job .what { min-width: 28em; }
#jobs .job progress { width: 160px; }
#jobs .job .line { color: #555; font-family: monospace; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; flex: 1; }
#jobs .job.failed .state { color: #c00; } #jobs .job.done .state { color: #080; }
.jobform { border: 1px solid #ddd; padding: 8px; margin: 6px 0; background: #fafafa; }
.jobform label { margin-right: 12px; white-space: nowrap; }
.jobform input[type=text], .jobform input[type=number] { width: 7em; }
.jobmsg.err { color: #c00; }`;
  document.head.append(s);
})();

// postJob POSTs a JSON body and returns the answer, throwing its error.
async function postJob(path, body) {
  const resp = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
  const out = await resp.json().catch(() => ({ error: "answer is not JSON" }));
  if (!resp.ok) throw new Error(out.error || resp.statusText);
  return out;
}

async function initJobs() {
  const resp = await fetch("/api/jobs");
  if (resp.status === 403) return; // read-only server
  const data = await resp.json();
  if (!resp.ok) throw new Error(data.error || resp.statusText);
  jobs.enabled = true;
  jobs.panel = el("div", { id: "jobs", "aria-label": "jobs" });
  document.body.insertBefore(jobs.panel, document.getElementById("main"));
  jobs.list = data.jobs;
  for (const j of jobs.list) if (!isFinal(j.state)) follow(j.id);
  drawJobs();
  decorate();
}

function isFinal(state) { return state === "done" || state === "failed" || state === "cancelled"; }

function updateJob(info) {
  const i = jobs.list.findIndex(j => j.id === info.id);
  if (i >= 0) jobs.list[i] = { ...jobs.list[i], ...info };
  else jobs.list.unshift(info);
  drawJobs();
}

// follow polls a job (GET /api/jobs/ID) until it ends. Polling rather
// than the event stream (/events, still served for scripts): an open
// stream keeps the page from ever being idle on the network, which browser
// tools wait for.
const POLL_MS = 700;
function follow(id) {
  if (jobs.streams.has(id)) return;
  jobs.streams.set(id, true);
  let seen = false;
  const tick = async () => {
    let info;
    try { info = await fetchJSON(`/api/jobs/${encodeURIComponent(id)}`); }
    catch (e) { jobs.streams.delete(id); setStatus("job " + id + ": " + e.message, true); return; }
    if (info.state === "queued" && info.last) info.state = "running";
    updateJob(info);
    // The variants table and the variant page show which variant a job
    // holds (a new one from its first epoch on): redraw once it is under way.
    if (!seen && info.last) { seen = true; refreshTable(); refreshHeader(info); }
    if (isFinal(info.state)) {
      jobs.streams.delete(id);
      refreshView(info);
      return;
    }
    setTimeout(tick, POLL_MS);
  };
  tick();
}

// refreshHeader shows a job on the open variant's page header (the state
// line says what runs instead of ANALYZED).
function refreshHeader(info) {
  const st = document.getElementById("variant-state");
  if (st && st.dataset.variant === info.family + "/" + info.variant) st.textContent = `${info.kind} ${info.state}…`;
}

// refreshTable redraws the variants table, if it is the open view.
function refreshTable() {
  const h = location.hash.replace(/^#/, "").split("?")[0];
  if (h !== "" && h !== "/") return;
  view = null;
  route();
}

// refreshView redraws the open view when a job changed what it shows.
function refreshView(info) {
  const h = location.hash.replace(/^#/, "").split("?")[0];
  const m = h.match(/^\/v\/([^/]+)\/([^/]+)(?:\/[^/]+)?$/);
  const here = m ? decodeURIComponent(m[1]) + "/" + decodeURIComponent(m[2]) : null;
  if (here && here !== info.family + "/" + info.variant) return;
  cache.clear();   // app.js keeps answers by path
  view = null;     // so that route() draws the variant again
  route();
}

function drawJobs() {
  if (!jobs.panel) return;
  const rows = jobs.list.slice(0, 10).map(j => {
    const last = j.last || {};
    const bar = el("progress", { max: last.total || 1, value: last.done || 0 });
    if (j.state === "done") bar.value = bar.max;
    const link = el("a", { href: `#/v/${encodeURIComponent(j.family)}/${encodeURIComponent(j.variant)}` }, j.variant);
    const text = isFinal(j.state) ? (j.error || j.summary || "") : (last.line || (j.state === "queued" ? "waiting for the job before it" : "starting…"));
    const row = el("div", { class: "job " + j.state, "data-id": j.id, "data-state": j.state },
      el("span", { class: "what" }, `${j.kind} `, link),
      el("span", { class: "state" }, j.state), bar, el("span", { class: "line", title: text }, text));
    if (!isFinal(j.state)) {
      row.append(el("button", { class: "cancel", onclick: async () => {
        try { updateJob(await postJob(`/api/jobs/${encodeURIComponent(j.id)}/cancel`)); } catch (e) { setStatus(e.message, true); }
      } }, "Cancel"));
    }
    return row;
  });
  jobs.panel.replaceChildren(...rows);
}

// start POSTs a job and follows it; msg shows the outcome.
async function startJob(body, msg) {
  msg.className = "jobmsg";
  msg.textContent = "starting…";
  try {
    const info = await postJob("/api/jobs", body);
    const est = info.estimate;
    msg.textContent = `job ${info.id} ${info.state}` +
      (est ? ` (estimate: ${fmtBytes(est.memory_bytes)} of memory, ${fmtBytes(est.disk_bytes)} of disk)` : "");
    updateJob(info);
    follow(info.id);
  } catch (e) {
    msg.className = "jobmsg err";
    msg.textContent = e.message;
  }
}

// fmtBytes writes a byte count with a binary unit, as the server's estimates do.
function fmtBytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
  return u ? `${n.toFixed(1)} ${units[u]}` : `${n} B`;
}

// ---------------------------------------------------------------- controls

// decorate adds the job controls to the view app.js has just drawn.
function decorate() {
  if (!jobs.enabled) return;
  const table = document.getElementById("variants");
  if (table && !document.getElementById("train-open")) {
    const anchor = table.closest(".scroll") || table;
    anchor.parentNode.insertBefore(trainBar(), anchor);
  }
  const slider = document.getElementById("epoch-slider");
  if (slider && !document.getElementById("job-actions")) {
    const m = location.hash.replace(/^#/, "").split("?")[0].match(/^\/v\/([^/]+)\/([^/]+)(?:\/[^/]+)?$/);
    if (m) variantActions(decodeURIComponent(m[1]), decodeURIComponent(m[2]), slider.closest(".epochbar") || slider);
  }
}

// trainBar is the "Train…" button and the form it opens: family, preset,
// domain parameters (as 'tdw-host families FAMILY' lists them), epochs,
// checkpoint schedule.
function trainBar() {
  const box = el("div", { id: "train-bar" });
  const open = el("button", { id: "train-open", title: "train a new variant" }, "Train…");
  box.append(open);
  open.addEventListener("click", async () => {
    const old = document.getElementById("train-form");
    if (old) { old.remove(); return; }
    try {
      jobs.families = jobs.families || (await fetchJSON("/api/families")).families;
    } catch (e) { setStatus(e.message, true); return; }
    box.append(trainForm(jobs.families));
  });
  return box;
}

function trainForm(families) {
  const form = el("div", { class: "jobform", id: "train-form" });
  const famSel = el("select", { id: "train-family" }, ...families.map(f => el("option", { value: f.name }, f.display_name || f.name)));
  const presetSel = el("select", { id: "train-preset" });
  const params = el("span", { class: "params" });
  const epochs = el("input", { type: "number", min: 1, id: "train-epochs" });
  const ckpts = el("input", { type: "text", id: "train-checkpoints", size: 24 });
  const force = el("input", { type: "checkbox", id: "train-force" });
  const large = el("input", { type: "checkbox", id: "train-allow-large" });
  const msg = el("div", { class: "jobmsg", id: "train-msg" });
  const fam = () => families.find(f => f.name === famSel.value);
  const fill = () => {
    const f = fam(), p = f.presets[presetSel.value];
    params.replaceChildren(...f.parameters.map(s => el("label", { title: s.description || "" }, s.name + " ",
      el("input", { type: "text", name: "param-" + s.name, "data-param": s.name,
        placeholder: String(p && p.params[s.name] != null ? p.params[s.name] : s.default ?? "") }))));
    epochs.placeholder = String(p ? p.epochs : f.epochs);
    ckpts.placeholder = p ? p.checkpoints : f.checkpoints;
  };
  const fillPresets = () => {
    const f = fam();
    presetSel.replaceChildren(el("option", { value: "" }, "(none)"), ...Object.keys(f.presets).sort().map(n =>
      el("option", { value: n, title: f.presets[n].description || "" }, n)));
    // The family's default preset (quick for modular addition), not its
    // full training spec, is what a new user should start from.
    if (f.default_preset && f.presets[f.default_preset]) presetSel.value = f.default_preset;
    fill();
  };
  famSel.addEventListener("change", fillPresets);
  presetSel.addEventListener("change", fill);
  fillPresets();
  const start = el("button", { id: "train-start" }, "Start training");
  start.addEventListener("click", () => {
    const given = {};
    for (const inp of params.querySelectorAll("input[data-param]")) if (inp.value.trim() !== "") given[inp.dataset.param] = inp.value.trim();
    const options = { force: force.checked, allow_large: large.checked };
    if (epochs.value) options.epochs = +epochs.value;
    if (ckpts.value.trim()) options.checkpoints = ckpts.value.trim();
    startJob({ kind: "train", family: famSel.value, preset: presetSel.value, params: given, options }, msg);
  });
  form.append(el("label", {}, "family ", famSel), el("label", {}, "preset ", presetSel), params, el("br"),
    el("label", {}, "epochs ", epochs), el("label", { title: "comma-separated E, A:B:S or final" }, "checkpoints ", ckpts),
    el("label", { title: "discard an existing run of the variant" }, force, " start over"),
    el("label", { title: "train even when the estimate exceeds this machine's available memory or free disk" }, large, " allow large"), start, msg);
  return form;
}

// variantActions adds what can be done to the open variant: analyze it,
// train it, resume a stopped run or extend a finished one.
async function variantActions(family, name, after) {
  const box = el("div", { class: "jobform", id: "job-actions" });
  after.parentNode.insertBefore(box, after.nextSibling);
  let info;
  try { info = await fetchJSON(`/api/variants/${encodeURIComponent(family)}/${encodeURIComponent(name)}`); }
  catch (e) { box.textContent = e.message; return; }
  const msg = el("div", { class: "jobmsg", id: "job-msg" });
  const base = { family, variant: name };
  const trained = info.state === "TRAINED" || info.state === "ANALYZED" || info.state === "PARTIAL";
  if (trained) {
    const names = el("input", { type: "text", id: "analyze-analyzers", size: 30, placeholder: "the family's analyzers" });
    const force = el("input", { type: "checkbox", id: "analyze-force" });
    const go = el("button", { id: "analyze-start" }, "Analyze");
    go.addEventListener("click", () => {
      const list = names.value.split(",").map(s => s.trim()).filter(s => s);
      startJob({ ...base, kind: "analyze", options: { analyzers: list.length ? list : undefined, force: force.checked } }, msg);
    });
    box.append(go, " ", el("label", {}, "analyzers ", names), el("label", { title: "recompute artifacts that are up to date" }, force, " recompute"));
    const to = el("input", { type: "number", id: "extend-to", min: info.epochs + 1, value: info.epochs * 2 });
    const ext = el("button", { id: "extend-start" }, "Extend");
    ext.addEventListener("click", () => startJob({ ...base, kind: "train", options: { extend_to: +to.value } }, msg));
    box.append(" · ", ext, el("label", {}, " training to ", to, " epochs"));
  } else if (info.epochs > 0) {
    const go = el("button", { id: "resume-start" }, "Resume");
    go.addEventListener("click", () => startJob({ ...base, kind: "train", options: { resume: true } }, msg));
    box.append(go, ` the stopped run (${info.epochs} of ${info.num_epochs} epochs)`);
  } else {
    const epochs = el("input", { type: "number", min: 1, id: "variant-epochs", placeholder: "family's" });
    const ckpts = el("input", { type: "text", id: "variant-checkpoints", placeholder: "family's schedule" });
    const go = el("button", { id: "train-variant" }, "Train");
    go.addEventListener("click", () => {
      const options = {};
      if (epochs.value) options.epochs = +epochs.value;
      if (ckpts.value.trim()) options.checkpoints = ckpts.value.trim();
      startJob({ ...base, kind: "train", options }, msg);
    });
    box.append(go, " ", el("label", {}, "epochs ", epochs), el("label", {}, "checkpoints ", ckpts));
  }
  box.append(msg);
}

// The views are redrawn by app.js into #main; add the controls each time.
new MutationObserver(() => decorate()).observe(document.getElementById("main"), { childList: true });
window.addEventListener("load", () => initJobs().catch(e => setStatus("jobs: " + e.message, true)));
