// tdw dashboard: sweeps. Over the variants table, a section lists the
// sweeps of the results folder (GET /api/sweeps, docs/dashboard.md
// "Sweeps") with each one's progress, and a selector shows only the
// variants of one sweep. app.js asks sweepShows(row) for each row it draws.
// States come from the sweeps' task records and the results tree; the
// Slurm state is for `tdw-host sweep status`.
"use strict";

const sweeps = { list: [], shown: "", members: null, timer: null };

(function sweepStyle() {
  const s = document.createElement("style");
  s.textContent = `
#sweeps { margin: 0 0 10px; font-size: 13px; }
#sweeps table { border-collapse: collapse; background: #fff; }
#sweeps td, #sweeps th { padding: 2px 8px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
#sweeps progress { width: 140px; vertical-align: middle; }
#sweeps .failed { color: #b00020; } #sweeps .done { color: #080; }`;
  document.head.append(s);
})();

// sweepShows says whether the variants table shows row under the sweep
// selector.
function sweepShows(row) {
  return !sweeps.members || sweeps.members.has(row.family + "/" + row.name);
}

function sweepCounts(c) {
  return ["done", "running", "queued", "stopped", "failed"].filter(k => c[k]).map(k => el("span", { class: k }, `${c[k]} ${k}`))
    .flatMap((x, i) => i ? [", ", x] : [x]);
}

// drawSweeps puts the sweeps section and the selector over the table.
function drawSweeps() {
  const table = document.getElementById("variants");
  if (!table || !sweeps.list.length) return;
  const rows = sweeps.list.map(s => {
    const total = s.variants.length, done = s.counts.done || 0;
    const pick = el("a", { href: "#/", title: "show only this sweep's variants" }, s.name);
    pick.addEventListener("click", ev => { ev.preventDefault(); pickSweep(s.name); });
    return el("tr", { "data-sweep": s.name }, el("td", {}, pick), el("td", {}, s.family), el("td", {}, s.executor),
      el("td", {}, el("progress", { max: total || 1, value: done }), ` ${done}/${total}`), el("td", {}, ...sweepCounts(s.counts)));
  });
  const box = el("details", { id: "sweeps", open: "" }, el("summary", {}, `Sweeps (${sweeps.list.length})`),
    el("table", {}, el("tr", {}, ...["sweep", "family", "executor", "progress", "states"].map(h => el("th", {}, h))), ...rows));
  const old = document.getElementById("sweeps");
  if (old) old.replaceWith(box); else table.closest(".scroll").before(box);
  let sel = document.getElementById("sweep-filter");
  if (!sel) {
    sel = el("select", { id: "sweep-filter", title: "show the variants of one sweep" });
    sel.addEventListener("change", () => pickSweep(sel.value));
    document.getElementById("filter").after(" ", sel);
  }
  sel.replaceChildren(el("option", { value: "" }, "all variants"),
    ...sweeps.list.map(s => el("option", { value: s.name }, `sweep ${s.name}`)));
  sel.value = sweeps.shown;
}

// pickSweep shows only the variants of sweep name ("" for all) and redraws
// the table through its filter box.
function pickSweep(name) {
  const s = sweeps.list.find(x => x.name === name);
  sweeps.shown = s ? name : "";
  sweeps.members = s ? new Set(s.variants) : null;
  const sel = document.getElementById("sweep-filter");
  if (sel) sel.value = sweeps.shown;
  const f = document.getElementById("filter");
  if (f) f.dispatchEvent(new Event("input"));
}

async function loadSweeps() {
  try {
    const resp = await fetch("/api/sweeps");
    if (!resp.ok) return;
    sweeps.list = (await resp.json()).sweeps;
  } catch (e) {
    return; // the table works without sweeps
  }
  if (sweeps.shown) pickSweep(sweeps.shown);
  drawSweeps();
}

// The section follows the table app.js redraws; while the table is open
// the progress is refreshed every 10 s.
new MutationObserver(() => {
  const onTable = !!document.getElementById("variants");
  if (onTable && !document.getElementById("sweeps")) drawSweeps();
  if (onTable && !sweeps.timer) sweeps.timer = setInterval(loadSweeps, 10000);
  if (!onTable && sweeps.timer) { clearInterval(sweeps.timer); sweeps.timer = null; }
}).observe(document.getElementById("main"), { childList: true });
loadSweeps();
