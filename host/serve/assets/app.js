// tdw dashboard: plain JavaScript, no dependencies, nothing fetched from
// elsewhere. Views: the variants table (#/) and one variant (#/v/FAMILY/VARIANT).
// The variant view has one epoch, shared by every panel; changing it
// refetches only the per-epoch arrays of the panels that are open.
"use strict";

const main = document.getElementById("main");
const statusEl = document.getElementById("status");
const COLORS = ["#2060c0", "#d04020", "#20a060", "#8040c0", "#c08000", "#008090", "#c02080", "#606060"];

function setStatus(msg, isError) {
  statusEl.textContent = msg || "";
  statusEl.className = isError ? "error" : "";
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

async function fetchJSON(path) {
  const resp = await fetch(path);
  const body = await resp.json().catch(() => ({ error: "answer is not JSON" }));
  if (!resp.ok) throw new Error(body.error || resp.statusText);
  return body;
}

// api fetches a JSON answer, turning an error answer into a thrown Error.
// The promise is cached, so panels asking for the same thing at once share
// one request.
const cache = new Map();
function cached(key, make) {
  if (cache.has(key)) return cache.get(key);
  const p = make();
  p.catch(() => cache.delete(key));
  if (cache.size > 400) cache.delete(cache.keys().next().value);
  cache.set(key, p);
  return p;
}
function api(path) { path = probed(path); return cached(path, () => fetchJSON(path)); }

// The probe the open variant's analyses are read over ("": its default), as
// the hash's probe= names it; probed adds it to a variant endpoint's path.
let probeName = "";
function hashProbe() { return new URLSearchParams(location.hash.split("?")[1] || "").get("probe") || ""; }
function probed(path) {
  if (!probeName || !path.startsWith("/api/variants/")) return path;
  return path + (path.includes("?") ? "&" : "?") + "probe=" + encodeURIComponent(probeName);
}

// epochArray asks for one array (or the slice at index) of one epoch. The
// requests that panels make in one go are sent as one batch request.
const pending = new Map(); // epoch → [{key, resolve, reject}]
function epochArray(analyzer, name, index, epoch) {
  const key = `${analyzer}/${name}` + (index.length ? "/" + index.join(",") : "");
  return cached(`epoch ${view.base} ${epoch} ${key}`, () => new Promise((resolve, reject) => {
    let q = pending.get(epoch);
    if (!q) { q = []; pending.set(epoch, q); queueMicrotask(() => flushBatch(view.base, epoch)); }
    q.push({ key, resolve, reject });
  }));
}
async function flushBatch(base, epoch) {
  const q = pending.get(epoch) || [];
  pending.delete(epoch);
  for (let i = 0; i < q.length; i += 64) {
    const chunk = q.slice(i, i + 64);
    try {
      const r = await fetchJSON(probed(`${base}/epochs/${epoch}?` + chunk.map(x => "select=" + encodeURIComponent(x.key)).join("&")));
      r.arrays.forEach((a, j) => a.error ? chunk[j].reject(new Error(a.error)) : chunk[j].resolve(a));
    } catch (e) {
      chunk.forEach(x => x.reject(e));
    }
  }
}

function fmt(x) {
  if (x == null) return "–";
  if (typeof x !== "number") return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e4 || a < 1e-3) return x.toExponential(2);
  return +x.toPrecision(4) + "";
}

// ---------------------------------------------------------------- drawing

function canvas(w, h) {
  const c = el("canvas");
  const r = window.devicePixelRatio || 1;
  c.width = w * r; c.height = h * r;
  c.style.width = w + "px"; c.style.height = h + "px";
  c.getContext("2d").setTransform(r, 0, 0, r, 0, 0);
  c.cssW = w; c.cssH = h;
  return c;
}

function finiteRange(vals, log) {
  let lo = Infinity, hi = -Infinity;
  for (const v of vals) {
    if (v == null || !isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) { lo = log ? 1e-3 : 0; hi = log ? 1 : 1; }
  if (lo === hi) { if (log) { lo /= 2; hi *= 2; } else { lo -= 0.5; hi += 0.5; } }
  return [lo, hi];
}

// lineChart draws series [{x, y, label, color}] with an optional log y axis,
// vertical markers and a highlighted x; onPick(x) gets the clicked x.
function lineChart(c, o) {
  const g = c.getContext("2d"), W = c.cssW, H = c.cssH;
  const L = 56, R = 10, T = 10, B = 24;
  g.clearRect(0, 0, W, H);
  const xs = o.series.flatMap(s => s.x), ys = o.series.flatMap(s => s.y);
  const [x0, x1] = finiteRange(xs, false);
  let [y0, y1] = finiteRange(ys, o.logY);
  if (o.logY) { y0 = Math.log10(y0); y1 = Math.log10(y1); }
  const px = x => L + (x - x0) / (x1 - x0 || 1) * (W - L - R);
  const py = y => {
    const v = o.logY ? Math.log10(y) : y;
    return T + (1 - (v - y0) / (y1 - y0 || 1)) * (H - T - B);
  };
  g.strokeStyle = "#ccc"; g.fillStyle = "#555"; g.font = "11px sans-serif"; g.lineWidth = 1;
  g.strokeRect(L, T, W - L - R, H - T - B);
  for (let i = 0; i <= 4; i++) {
    const v = y0 + (y1 - y0) * i / 4, y = T + (1 - i / 4) * (H - T - B);
    g.fillText(fmt(o.logY ? Math.pow(10, v) : v), 2, y + 4);
  }
  g.fillText(fmt(x0), L, H - 8); g.fillText(fmt(x1), W - R - 30, H - 8);
  if (o.xlabel) g.fillText(o.xlabel, (W - L) / 2, H - 8);
  if (o.markers) {
    g.strokeStyle = "#e4e6ea";
    for (const m of o.markers) { g.beginPath(); g.moveTo(px(m), T); g.lineTo(px(m), H - B); g.stroke(); }
  }
  if (o.bands) drawWindows(g, o.bands, px, T, H - B);
  c.dataset.windows = o.bands ? o.bands.length : 0;
  o.series.forEach((s, si) => {
    g.strokeStyle = s.color || COLORS[si % COLORS.length]; g.lineWidth = s.width || 1.5; g.setLineDash(s.dash || []); g.beginPath();
    let pen = false;
    for (let i = 0; i < s.x.length; i++) {
      const y = s.y[i];
      if (y == null || !isFinite(y) || (o.logY && y <= 0)) { pen = false; continue; }
      if (pen) g.lineTo(px(s.x[i]), py(y)); else g.moveTo(px(s.x[i]), py(y));
      pen = true;
    }
    g.stroke();
    g.setLineDash([]);
    if (s.dots) {
      g.fillStyle = g.strokeStyle;
      for (let i = 0; i < s.x.length; i++) if (s.y[i] != null && isFinite(s.y[i])) g.fillRect(px(s.x[i]) - 2, py(s.y[i]) - 2, 4, 4);
    }
  });
  if (o.mark != null) {
    g.strokeStyle = "#e00"; g.lineWidth = 1.5; g.beginPath(); g.moveTo(px(o.mark), T); g.lineTo(px(o.mark), H - B); g.stroke();
  }
  c.onclick = o.onPick ? (ev => {
    const r = c.getBoundingClientRect();
    o.onPick(x0 + (ev.clientX - r.left - L) / (W - L - R) * (x1 - x0));
  }) : null;
  c.style.cursor = o.onPick ? "crosshair" : "";
}

// The variant summary's windows (outcome.WindowNames): a strip along the
// top of a time series (the cascade, which overlaps the others, in a second
// row) and a dashed line where each starts.
const WINDOWS = { first_descent: ["#6baed6", "1st descent"], plateau: ["#fd8d3c", "plateau"], cascade: ["#31a354", "cascade"],
  second_descent: ["#9e9ac8", "2nd descent"], final: ["#969696", "final"] };
function drawWindows(g, bands, px, top, bottom) {
  g.save();
  for (const b of bands) {
    const [color, label] = WINDOWS[b.name] || ["#999", b.name];
    const x0 = px(b.start), x1 = px(b.end), y = top + (b.name === "cascade" ? 8 : 0);
    g.globalAlpha = 0.35; g.fillStyle = color; g.fillRect(x0, y, Math.max(1, x1 - x0), 7);
    g.globalAlpha = 0.6; g.strokeStyle = color; g.setLineDash([3, 3]);
    g.beginPath(); g.moveTo(x0, top); g.lineTo(x0, bottom); g.stroke();
    g.globalAlpha = 1; g.setLineDash([]); g.fillStyle = "#333"; g.font = "9px sans-serif";
    if (x1 - x0 > g.measureText(label).width + 4) g.fillText(label, x0 + 2, y + 7);
  }
  g.restore();
}

// windowBands returns the summary's windows that were placed, as bands.
function windowBands(summary) {
  if (!summary) return null;
  return Object.entries(summary.windows).filter(([, w]) => !w.skipped).map(([name, w]) => ({ name, start: w.start_epoch, end: w.end_epoch }));
}

// colormap: viridis-like for non-negative data, blue-white-red when signed.
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
function colorFor(t, signed) {
  if (t == null || !isFinite(t)) return [200, 200, 200];
  if (signed) { // t in [-1, 1]
    const a = Math.min(1, Math.abs(t));
    return t < 0 ? [255 * (1 - a) + 33 * a, 255 * (1 - a) + 102 * a, 255 * (1 - a) + 172 * a]
      : [255 * (1 - a) + 178 * a, 255 * (1 - a) + 24 * a, 255 * (1 - a) + 43 * a];
  }
  const x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(x)), f = x - i;
  return VIRIDIS[i].map((v, k) => v + (VIRIDIS[i + 1][k] - v) * f);
}

// heatmap draws a rows×cols grid (row-major data) scaled into the canvas;
// markRow outlines one row; readout shows the value under the mouse.
function heatmap(c, data, rows, cols, o) {
  o = o || {};
  const g = c.getContext("2d"), W = c.cssW, H = c.cssH;
  g.clearRect(0, 0, W, H);
  let lo = Infinity, hi = -Infinity;
  for (const v of data) if (v != null && isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  // The colored image is kept with the canvas: redrawing the same data for
  // another epoch marker only copies it.
  let off = c.heatOff;
  if (!off || c.heatData !== data) {
    const signed = lo < 0 && hi > 0, amax = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    const img = new ImageData(cols, rows);
    for (let i = 0; i < rows * cols; i++) {
      const v = data[i];
      const [r, gg, b] = colorFor(signed ? v / amax : (v - lo) / ((hi - lo) || 1), signed);
      img.data[4 * i] = r; img.data[4 * i + 1] = gg; img.data[4 * i + 2] = b; img.data[4 * i + 3] = 255;
    }
    off = document.createElement("canvas");
    off.width = cols; off.height = rows;
    off.getContext("2d").putImageData(img, 0, 0);
    c.heatOff = off; c.heatData = data;
  }
  g.imageSmoothingEnabled = false;
  g.drawImage(off, 0, 0, W, H);
  if (o.markRow != null && o.markRow >= 0) {
    g.strokeStyle = "#e00"; g.lineWidth = 2;
    g.strokeRect(0, o.markRow * H / rows, W, Math.max(2, H / rows));
  }
  c.onmousemove = o.readout ? (ev => {
    const r = c.getBoundingClientRect();
    const col = Math.floor((ev.clientX - r.left) / W * cols), row = Math.floor((ev.clientY - r.top) / H * rows);
    if (row >= 0 && row < rows && col >= 0 && col < cols)
      o.readout.textContent = `${o.rowName || "row"} ${row}, ${o.colName || "col"} ${col}: ${fmt(data[row * cols + col])}`;
  }) : null;
  if (o.readout && !o.readout.textContent) o.readout.textContent = `range ${fmt(lo)} … ${fmt(hi)}`;
}

function bars(c, vals, o) {
  o = o || {};
  const g = c.getContext("2d"), W = c.cssW, H = c.cssH, B = 16;
  g.clearRect(0, 0, W, H);
  const [lo0, hi0] = finiteRange(vals, false), lo = Math.min(0, lo0), hi = Math.max(0, hi0);
  const py = v => (1 - (v - lo) / ((hi - lo) || 1)) * (H - B);
  const bw = W / vals.length;
  g.fillStyle = "#2060c0";
  vals.forEach((v, i) => {
    if (v == null || !isFinite(v)) return;
    const y = py(v), z = py(0);
    g.fillRect(i * bw, Math.min(y, z), Math.max(1, bw - 1), Math.abs(z - y));
  });
  g.fillStyle = "#555"; g.font = "11px sans-serif";
  g.fillText(`0 … ${vals.length - 1}   max ${fmt(hi0)}`, 2, H - 3);
  c.onmousemove = o.readout ? (ev => {
    const i = Math.floor((ev.clientX - c.getBoundingClientRect().left) / bw);
    if (i >= 0 && i < vals.length) o.readout.textContent = `${o.name || "index"} ${i}: ${fmt(vals[i])}`;
  }) : null;
}

// ---------------------------------------------------------------- variants table

let tableState = { sort: "name", desc: false, filter: "", picked: new Set() };

async function showVariants() {
  main.replaceChildren(el("p", {}, "Loading variants…"));
  const data = await api("/api/variants?t=" + Date.now());
  const rows = data.variants.map(v => {
    const done = v.analyzers.filter(a => a.cross ? a.cross === "done" : (a.missing.length + a.stale.length === 0 && a.done.length > 0)).length;
    const stale = v.analyzers.filter(a => a.cross ? a.cross === "stale" : a.stale.length > 0).length;
    const missing = v.analyzers.length - done - stale;
    return {
      family: v.family, name: v.name, params: Object.entries(v.params).map(([k, x]) => `${k}=${x}`).join(" "),
      state: v.job ? `${v.state} (${v.job.kind} ${v.job.state})` : v.state, epochs: v.epochs, checkpoints: v.checkpoints, train: v.final_train_loss, test: v.final_test_loss,
      grok: v.grokking_epoch < 0 ? null : v.grokking_epoch,
      analyzers: v.analyzers.length ? `${done} done / ${missing} missing / ${stale} stale` : "–",
      ...Object.fromEntries(OUTCOME_COLUMNS.map(([key]) => [key, v.outcome ? v.outcome[key] : null])),
      error: v.error || "",
    };
  });
  const cols = [["family", "family"], ["name", "variant"], ["params", "params"], ["state", "state"], ["epochs", "epochs"],
    ["checkpoints", "checkpoints"], ["train", "final train loss"], ["test", "final test loss"], ["grok", "grokking epoch"],
    ["analyzers", "analyzers"], ...OUTCOME_COLUMNS];
  const filter = el("input", { type: "search", placeholder: "filter: text, or column=value; failure_mode!=healthy; grok<600", id: "filter",
    title: "text in any column, or conditions COLUMN OP VALUE (OP: = != < > <= >=) separated by ;" });
  filter.value = tableState.filter;
  const table = el("table", { class: "variants", id: "variants" });
  const draw = () => {
    const match = rowFilter(tableState.filter, cols);
    const shown = rows.filter(r => match(r) && sweepShows(r));
    const k = tableState.sort;
    shown.sort((a, b) => {
      const x = a[k], y = b[k];
      const c = (x == null) - (y == null) || (typeof x === "number" ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true }));
      return tableState.desc ? -c : c;
    });
    const head = el("tr", {}, el("th", { title: "pick variants to compare" }, "✓"), ...cols.map(([key, label]) => el("th", {
      class: key === k ? "sorted" + (tableState.desc ? " desc" : "") : "",
      onclick: () => { tableState.desc = tableState.sort === key ? !tableState.desc : false; tableState.sort = key; draw(); },
    }, label)));
    const body = shown.map(r => el("tr", {}, comparePick(r.family + "/" + r.name, updatePick), ...cols.map(([key]) => {
      if (key === "name") return el("td", {}, el("a", { href: `#/v/${encodeURIComponent(r.family)}/${encodeURIComponent(r.name)}` }, r.name));
      const v = r[key];
      return el("td", { title: key === "state" ? r.error : "" }, typeof v === "number" ? fmt(v) : (v ?? "–"));
    })));
    table.replaceChildren(head, ...body);
  };
  filter.addEventListener("input", () => { tableState.filter = filter.value; draw(); });
  const compareBtn = el("button", { id: "compare-selected", title: "overlay the picked variants' curves" }, "");
  const updatePick = () => {
    const n = tableState.picked.size;
    compareBtn.textContent = `Compare selected (${n})`;
    compareBtn.disabled = n < 2 || n > 12;
  };
  compareBtn.addEventListener("click", () => { location.hash = "#/compare?v=" + [...tableState.picked].map(encodeURIComponent).join(","); });
  updatePick();
  draw();
  const probs = data.problems.length ? el("details", {}, el("summary", {}, `${data.problems.length} problems`),
    ...data.problems.map(p => el("div", {}, p))) : null;
  const wrap = el("div", { class: "scroll" }, table);
  main.replaceChildren(...[el("h2", {}, `Variants (${rows.length})`), el("div", { class: "tablebar" }, filter, " ", compareBtn), wrap, probs].filter(x => x));
  setStatus("");
}

// The variant summary's columns in the variants table (corpus columns;
// docs/formats/variant-summary.md).
const OUTCOME_COLUMNS = [["summary", "summary"], ["failure_mode", "failure mode"], ["performance_class", "performance"],
  ["second_descent_onset", "2nd descent onset"], ["first_descent", "1st descent"], ["plateau", "plateau"], ["cascade", "cascade"],
  ["second_descent", "2nd descent"], ["final", "final"], ["first_mover_frequency", "first mover"], ["committed_frequencies", "committed freqs"]];

// rowFilter turns the filter text into a row predicate: conditions
// COLUMN OP VALUE separated by ";" (numbers compare as numbers, text in
// natural order, an empty cell equals "" or "-"), else text searched in
// every column.
function rowFilter(text, cols) {
  const keys = new Set(cols.map(([k]) => k));
  const conds = text.split(";").map(t => t.trim()).filter(Boolean).map(t => t.match(/^(\w+)\s*(!=|<=|>=|=|<|>)\s*(.*)$/));
  if (!conds.length || conds.some(c => !c || !keys.has(c[1]))) {
    const f = text.toLowerCase();
    return r => !f || Object.values(r).join(" ").toLowerCase().includes(f);
  }
  const cmp = (x, y) => {
    const a = Number(x), b = Number(y);
    if (typeof x === "number" && y !== "" && !isNaN(b)) return a - b;
    return String(x).localeCompare(y, undefined, { numeric: true });
  };
  return r => conds.every(([, k, op, want]) => {
    const v = r[k];
    if (v == null || v === "–") return op === "=" ? (want === "" || want === "-") : op === "!=" ? !(want === "" || want === "-") : false;
    const c = cmp(v, want);
    return { "=": c === 0, "!=": c !== 0, "<": c < 0, ">": c > 0, "<=": c <= 0, ">=": c >= 0 }[op];
  });
}

// ---------------------------------------------------------------- variant view

// Known outputs get named axes and dedicated drawings; everything else is
// drawn by shape.
// Arrays whose last two axes are the probe grid (a, b).
const GRID = new Set(["neuron_activations/activations", "attention_patterns/patterns"]);
const AXES = {
  "neuron_activations/activations": ["neuron"],
  "attention_patterns/patterns": ["head", "query position", "key position"],
};

let view = null; // the open variant view

async function showVariant(family, name) {
  main.replaceChildren(el("p", {}, "Loading " + name + "…"));
  probeName = hashProbe();
  const base = `/api/variants/${encodeURIComponent(family)}/${encodeURIComponent(name)}`;
  const info = await api(base);
  let manifest = null;
  try { manifest = await api(base + "/manifest"); } catch (e) { manifest = { analyzers: [], error: e.message }; }
  // The slider runs over the analyzed epochs (all checkpoints when nothing
  // is analyzed yet), so that every step shows artifacts.
  const analyzed = new Set();
  for (const a of manifest.analyzers) if (!a.cross) a.epochs.forEach(e => analyzed.add(e));
  const epochs = analyzed.size ? [...analyzed].sort((x, y) => x - y) : info.checkpoint_epochs;
  view = { base, info, manifest, epochs, idx: 0, panels: [], windows: windowBands(info.summary), probe: probeName };
  const want = +new URLSearchParams(location.hash.split("?")[1] || "").get("epoch");
  view.idx = Math.max(0, epochs.indexOf(want));

  // Epoch bar: slider, prev/next, arrow keys.
  const slider = el("input", { type: "range", min: 0, max: Math.max(0, epochs.length - 1), value: view.idx, id: "epoch-slider", "aria-label": "epoch" });
  const label = el("span", { class: "epoch", id: "epoch-label" });
  const prev = el("button", { id: "prev", title: "previous checkpoint (←)" }, "◀ prev");
  const next = el("button", { id: "next", title: "next checkpoint (→)" }, "next ▶");
  slider.addEventListener("input", () => setEpochIndex(+slider.value));
  prev.addEventListener("click", () => setEpochIndex(view.idx - 1));
  next.addEventListener("click", () => setEpochIndex(view.idx + 1));
  view.slider = slider; view.label = label;

  const head = el("div", {},
    el("h2", {}, name),
    el("div", { class: "params" }, `${family} · ${Object.entries(info.params).map(([k, v]) => `${k}=${v}`).join(", ")} · ${info.state} · ${info.epochs} epochs · grokking epoch ${info.grokking_epoch < 0 ? "–" : info.grokking_epoch}`));
  head.append(outcomeLine(family, name, info), probeSelect(info));
  const bar = el("div", { class: "epochbar" }, prev, slider, next, label);

  // Training curves.
  const curves = el("div", { class: "panels" });
  const lossC = canvas(520, 220), accC = canvas(420, 220);
  const xs = info.train_losses.map((_, i) => i);
  const ck = info.checkpoint_records;
  view.panels.push({ update: () => {
    const pick = x => setEpochIndex(nearestIndex(epochs, x));
    lineChart(lossC, { logY: true, xlabel: "epoch", markers: info.checkpoint_epochs, mark: view.epoch, bands: view.windows, onPick: pick, series: [
      { x: xs, y: info.train_losses, label: "train loss" }, { x: xs, y: info.test_losses, label: "test loss" }] });
    lineChart(accC, { xlabel: "epoch", markers: info.checkpoint_epochs, mark: view.epoch, bands: view.windows, onPick: pick, series: [
      { x: ck.map(c => c.epoch), y: ck.map(c => c.train_accuracy), label: "train accuracy", dots: true },
      { x: xs, y: info.test_accuracies, label: "test accuracy" }] });
  } });
  curves.append(
    panelBox("Loss (log scale; click to move the epoch)", lossC, legend(["train loss", "test loss"]), exportLinks(() => ({ view: "loss", epoch: view.epoch }))),
    panelBox("Accuracy", accC, legend(["train (checkpoints)", "test"]), exportLinks(() => ({ view: "accuracy", epoch: view.epoch }))));
  const trainSec = el("details", { class: "analyzer", open: "" }, el("summary", {}, "training"), curves);
  const sections = [trainSec];
  if (manifest.error) sections.push(el("p", { class: "panel warn" }, manifest.error));
  for (const a of manifest.analyzers) sections.push(analyzerSection(a));
  main.replaceChildren(head, bar, ...sections);
  setEpochIndex(view.idx, true);
}

// probeSelect picks the probe whose analyses the page shows (the variant's
// probes; one not analyzed yet is marked so).
function probeSelect(info) {
  const probes = info.probes || [];
  if (probes.length < 2) return null;
  const sel = el("select", { id: "probe", "aria-label": "probe" }, ...probes.map(p => el("option",
    { value: p.default ? "" : p.name, title: p.description }, p.name + (p.default ? " (default)" : "") + (p.analyzed ? "" : " – not analyzed"))));
  sel.value = probeName;
  sel.addEventListener("change", () => {
    const q = new URLSearchParams(location.hash.split("?")[1] || "");
    if (sel.value) q.set("probe", sel.value); else q.delete("probe");
    location.hash = location.hash.split("?")[0] + "?" + q;
  });
  return el("div", { class: "params" }, "probe: ", sel);
}

// outcomeLine says what the variant summary concludes, names the windows
// drawn on the time series and links to the peer comparisons.
function outcomeLine(family, name, info) {
  const peerLinks = info.seeds.flatMap(by => [" · ", el("a", { href: `#/peers/${encodeURIComponent(family)}/${encodeURIComponent(name)}?by=${by}` }, `${by} peers`)]);
  const s = info.summary;
  if (!s) return el("div", { class: "params", id: "outcome" }, "no variant summary (analyze the variant to compute it)", ...peerLinks);
  const wins = windowBands(s).map(b => {
    const sw = el("i"); sw.style.background = (WINDOWS[b.name] || ["#999"])[0];
    return el("span", {}, sw, `${(WINDOWS[b.name] || [0, b.name])[1]} ${b.start}–${b.end}`);
  });
  return el("div", { class: "params", id: "outcome", title: [...s.failure_mode_reasons, ...s.performance_class_reasons].join("\n") },
    `failure mode ${s.failure_mode} · performance ${s.performance_class}` + (info.outcome && info.outcome.summary === "stale" ? " (stale summary)" : ""),
    el("span", { class: "legend windows" }, " · windows: ", ...wins), ...peerLinks);
}

function legend(labels) {
  return el("div", { class: "legend" }, ...labels.map((l, i) => el("span", {}, (() => { const x = el("i"); x.style.background = COLORS[i]; return x; })(), l)));
}

function panelBox(title, ...content) {
  return el("div", { class: "panel" }, el("h4", {}, title), ...content);
}

function nearestIndex(arr, x) {
  let best = 0;
  arr.forEach((v, i) => { if (Math.abs(v - x) < Math.abs(arr[best] - x)) best = i; });
  return best;
}

// setEpochIndex moves every panel to checkpoint epochs[i].
async function setEpochIndex(i, force) {
  if (!view || !view.epochs.length) return;
  i = Math.max(0, Math.min(view.epochs.length - 1, i));
  if (i === view.idx && !force) return;
  view.idx = i; view.epoch = view.epochs[i];
  view.slider.value = i;
  view.label.textContent = `epoch ${view.epoch} (${i + 1}/${view.epochs.length})`;
  history.replaceState(null, "", location.hash.split("?")[0] + "?epoch=" + view.epoch + (probeName ? "&probe=" + encodeURIComponent(probeName) : ""));
  const t0 = performance.now();
  const token = (view.token = (view.token || 0) + 1);
  setStatus("loading epoch " + view.epoch + "…");
  const results = await Promise.allSettled(view.panels.map(p => p.update()));
  if (token !== view.token) return;
  const failed = results.filter(r => r.status === "rejected");
  const ms = Math.round(performance.now() - t0);
  document.body.dataset.epoch = view.epoch;
  document.body.dataset.updateMs = ms;
  setStatus(failed.length ? `${failed.length} panels failed: ${failed[0].reason.message}` : `epoch ${view.epoch}: ${ms} ms`, failed.length > 0);
}

document.addEventListener("keydown", ev => {
  if (!view || ev.target.tagName === "INPUT" && ev.target.type !== "range") return;
  if (ev.key === "ArrowLeft") { setEpochIndex(view.idx - 1); ev.preventDefault(); }
  if (ev.key === "ArrowRight") { setEpochIndex(view.idx + 1); ev.preventDefault(); }
});

// analyzerSection builds one analyzer's panels: dedicated ones for known
// outputs, generic ones by shape for the rest. A closed section fetches
// nothing.
function analyzerSection(a) {
  const sec = el("details", { class: "analyzer" });
  if (a.name !== "parameter_snapshot") sec.setAttribute("open", "");
  sec.append(el("summary", {}, a.name, el("span", { class: "desc" }, `${a.kind} · v${a.version} · ${a.epochs.length} epochs${a.problem ? " · " + a.problem : ""}`)));
  const box = el("div", { class: "panels" });
  sec.append(box);
  const add = (node, update) => {
    box.append(node);
    view.panels.push({ update: () => sec.open ? update() : Promise.resolve() });
  };
  sec.addEventListener("toggle", () => { if (sec.open) setEpochIndex(view.idx, true); });
  if (a.errors && Object.keys(a.errors).length)
    box.append(el("div", { class: "panel warn" }, `${Object.keys(a.errors).length} recorded failures, e.g. ${Object.values(a.errors)[0]}`));

  if (a.name === "progress_measures") progressPanels(a, add);
  else if (a.summary.length) summaryPanels(a, add);
  if (a.name === "parameter_trajectory") trajectoryPanels(a, add);
  for (const o of a.outputs) {
    if (a.name === "parameter_trajectory" && /__projections$/.test(o.name)) continue;
    if (a.cross && o.name === "epochs") continue; // the x axis of the others
    add(...arrayPanel(a, o));
  }
  return sec;
}

// arrayPanel draws one output array at the current epoch (or the
// cross-epoch array), choosing the drawing by shape: a scalar as text, a
// vector as bars (or as a square grid when its length is n² — the probe grid),
// a matrix as a heatmap, and leading axes beyond two picked with selectors.
function arrayPanel(a, o) {
  const key = a.name + "/" + o.name;
  const cross = a.cross;
  const lead = Math.max(0, o.shape.length - 2);
  const names = AXES[key] || o.shape.slice(0, lead).map((_, i) => "axis " + i);
  const sel = o.shape.slice(0, lead).map(() => 0);
  // Attention from the last (answer) position is the interesting default.
  if (key === "attention_patterns/patterns" && lead === 3) sel[1] = o.shape[1] - 1;
  const readout = el("div", { class: "readout" });
  const controls = el("div", { class: "controls" });
  const W = 340;
  let c = null;
  const meta = el("div", { class: "meta", title: o.description || "" }, `${o.dtype} ${JSON.stringify(o.shape)}`);
  const node = panelBox(o.name, meta, controls, readout);
  node.dataset.array = key;
  node.append(exportLinks(() => ({ view: cross ? `${a.name}/cross/${o.name}` : `${a.name}/${o.name}`, epoch: cross ? null : view.epoch, index: sel }), !cross));
  let update;
  sel.forEach((_, i) => {
    const inp = el("input", { type: "number", min: 0, max: o.shape[i] - 1, value: sel[i], "aria-label": names[i] });
    inp.addEventListener("change", () => { sel[i] = Math.max(0, Math.min(o.shape[i] - 1, +inp.value || 0)); inp.value = sel[i]; update().catch(e => { readout.textContent = e.message; }); });
    controls.append(names[i] + " ", inp, " ");
  });
  update = async () => {
    const q = sel.length ? "?index=" + sel.join(",") : "";
    if (!cross && !a.epochs.includes(view.epoch)) { readout.textContent = `no artifact at epoch ${view.epoch}`; return; }
    const r = cross ? await api(`${view.base}/analyzers/${a.name}/cross/${encodeURIComponent(o.name)}${q}`)
      : await epochArray(a.name, o.name, sel, view.epoch);
    const sh = r.slice_shape, d = r.data;
    readout.textContent = "";
    if (sh.length === 0) { readout.textContent = `${o.name} = ${fmt(d[0])}`; return; }
    if (!c) {
      const square = sh.length === 1 && Math.round(Math.sqrt(sh[0])) ** 2 === sh[0] && sh[0] >= 64;
      c = sh.length === 2 || square ? canvas(W, Math.max(60, Math.min(W, Math.round(W * (sh.length === 2 ? sh[0] / sh[1] : 1))))) : canvas(W, 160);
      node.insertBefore(c, readout);
    }
    let crossEpochs = null;
    if (cross && a.outputs.some(x => x.name === "epochs")) {
      const ep = await api(`${view.base}/analyzers/${a.name}/cross/epochs`);
      if (r.shape[0] === ep.data.length) crossEpochs = ep.data;
    }
    if (sh.length === 1) {
      const n = Math.round(Math.sqrt(sh[0]));
      if (crossEpochs && sh[0] === crossEpochs.length)
        lineChart(c, { xlabel: "epoch", mark: view.epoch, bands: view.windows, series: [{ x: crossEpochs, y: d, dots: true }] });
      else if (n * n === sh[0] && n >= 8) heatmap(c, d, n, n, { readout, rowName: "a", colName: "b" });
      else bars(c, d, { readout });
    } else {
      const rows = sh[0], cols = sh.slice(1).reduce((x, y) => x * y, 1);
      const markRow = crossEpochs ? crossEpochs.indexOf(view.epoch) : null;
      const nfn = key === "neuron_freq_norm/norm_matrix";
      heatmap(c, d, rows, cols, { readout, markRow,
        rowName: crossEpochs ? "epoch row" : GRID.has(key) ? "a" : nfn ? "frequency-1" : "row",
        colName: GRID.has(key) ? "b" : nfn ? "neuron" : "col" });
    }
  };
  return [node, update];
}

// summaryPanels draws each summary statistic over epochs with the current
// epoch marked: scalars as lines, vectors as epoch × component heatmaps.
function summaryPanels(a, add) {
  for (const s of a.summary) {
    const c = canvas(s.shape.length ? 340 : 340, s.shape.length ? 200 : 160);
    const readout = el("div", { class: "readout" });
    const node = panelBox(`${s.name} (summary)`, el("div", { class: "meta", title: s.description || "" }, `${s.dtype} ${JSON.stringify(s.shape)} per epoch`), c, readout);
    node.append(exportLinks(() => ({ view: `${a.name}/summary/${s.name}`, epoch: view.epoch })));
    add(node, async () => {
      const sum = await api(`${view.base}/analyzers/${a.name}/summary`);
      const ser = sum.series[s.name];
      if (!ser) { readout.textContent = "not in summary.npz"; return; }
      const k = ser.shape.reduce((x, y) => x * y, 1);
      if (k === 1) lineChart(c, { xlabel: "epoch", mark: view.epoch, bands: view.windows, series: [{ x: sum.epochs, y: ser.data, dots: true }],
        onPick: x => setEpochIndex(view.epochs.indexOf(sum.epochs[nearestIndex(sum.epochs, x)])) });
      else heatmap(c, ser.data, sum.epochs.length, k, { readout, markRow: sum.epochs.indexOf(view.epoch), rowName: "epoch row", colName: "component" });
    });
  }
}

// progressPanels groups the progress measures the way the paper plots them:
// the losses together (log scale), Gini coefficients, weight norm, key
// frequencies per epoch.
function progressPanels(a, add) {
  const groups = [
    ["losses (log)", ["train_loss", "test_loss", "restricted_loss", "excluded_loss"], true],
    ["accuracies", ["train_accuracy", "test_accuracy", "restricted_accuracy", "excluded_accuracy"], false],
    ["Gini of Fourier norms", ["gini_W_E", "gini_W_L"], false],
    ["sum of squared weights", ["sum_squared_weights"], false],
    ["number of key frequencies", ["n_key_frequencies"], false],
  ];
  for (const [title, names, logY] of groups) {
    const c = canvas(400, 200);
    let present = names; // the group's series the summary holds, for the export link
    add(panelBox(title, c, legend(names), exportLinks(() => ({ view: `${a.name}/summary/${present.join(",")}`, epoch: view.epoch, log: logY }))), async () => {
      const sum = await api(`${view.base}/analyzers/${a.name}/summary`);
      present = names.filter(n => sum.series[n]);
      const series = present.map(n => ({ x: sum.epochs, y: sum.series[n].data, label: n }));
      lineChart(c, { logY, xlabel: "epoch", mark: view.epoch, bands: view.windows, series,
        onPick: x => setEpochIndex(view.epochs.indexOf(sum.epochs[nearestIndex(sum.epochs, x)])) });
    });
  }
  const rest = a.summary.filter(s => !groups.some(g => g[1].includes(s.name)));
  summaryPanels({ ...a, summary: rest }, add);
}

// trajectoryPanels draws each parameter group's PCA path (PC1 against PC2)
// with the current epoch highlighted, and its velocity.
function trajectoryPanels(a, add) {
  for (const o of a.outputs.filter(o => /__projections$/.test(o.name))) {
    const group = o.name.replace(/__projections$/, "");
    const c = canvas(300, 260);
    const readout = el("div", { class: "readout" });
    let pathEpochs = [];
    const links = exportLinks(() => ({ view: `${a.name}/path/${o.name}`, epoch: pathEpochs.includes(view.epoch) ? view.epoch : null }));
    add(panelBox(`PCA trajectory: ${group}`, el("div", { class: "meta", title: o.description || "" }, "PC1 → x, PC2 → y; red: current epoch"), c, readout, links), async () => {
      const r = await api(`${view.base}/analyzers/${a.name}/cross/${encodeURIComponent(o.name)}`);
      const ep = await api(`${view.base}/analyzers/${a.name}/cross/epochs`);
      pathEpochs = ep.data;
      const k = r.shape[1], n = r.shape[0];
      const x = [], y = [];
      for (let i = 0; i < n; i++) { x.push(r.data[i * k]); y.push(k > 1 ? r.data[i * k + 1] : 0); }
      drawPath(c, x, y, ep.data.indexOf(view.epoch));
      const i = ep.data.indexOf(view.epoch);
      readout.textContent = i >= 0 ? `epoch ${view.epoch}: PC1 ${fmt(x[i])}, PC2 ${fmt(y[i])}` : "";
    });
  }
}

function drawPath(c, x, y, cur) {
  const g = c.getContext("2d"), W = c.cssW, H = c.cssH, P = 14;
  g.clearRect(0, 0, W, H);
  const [x0, x1] = finiteRange(x, false), [y0, y1] = finiteRange(y, false);
  const px = v => P + (v - x0) / (x1 - x0) * (W - 2 * P), py = v => H - P - (v - y0) / (y1 - y0) * (H - 2 * P);
  g.strokeStyle = "#ccc"; g.strokeRect(0.5, 0.5, W - 1, H - 1);
  g.lineWidth = 1.5;
  for (let i = 1; i < x.length; i++) {
    const [r, gg, b] = colorFor(i / (x.length - 1), false);
    g.strokeStyle = `rgb(${r},${gg},${b})`;
    g.beginPath(); g.moveTo(px(x[i - 1]), py(y[i - 1])); g.lineTo(px(x[i]), py(y[i])); g.stroke();
  }
  g.fillStyle = "#888";
  for (let i = 0; i < x.length; i++) g.fillRect(px(x[i]) - 1.5, py(y[i]) - 1.5, 3, 3);
  if (cur >= 0) { g.fillStyle = "#e00"; g.beginPath(); g.arc(px(x[cur]), py(y[cur]), 5, 0, 7); g.fill(); }
}

// ---------------------------------------------------------------- routing

async function route() {
  const h = location.hash.replace(/^#/, "").split("?")[0];
  const m = h.match(/^\/v\/([^/]+)\/([^/]+)$/);
  try {
    const pm = h.match(/^\/peers\/([^/]+)\/([^/]+)$/);
    if (h === "/compare") {
      view = null; probeName = "";
      await showCompare(new URLSearchParams(location.hash.split("?")[1] || ""));
    } else if (pm) {
      view = null; probeName = "";
      await showPeers(decodeURIComponent(pm[1]), decodeURIComponent(pm[2]), new URLSearchParams(location.hash.split("?")[1] || "").get("by") || "");
    } else if (m) {
      const [fam, name] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
      if (view && view.info.family === fam && view.info.name === name && view.probe === hashProbe()) return;
      view = null;
      await showVariant(fam, name);
    } else {
      view = null; probeName = "";
      await showVariants();
    }
  } catch (e) {
    main.replaceChildren(el("p", { class: "panel err" }, e.message));
    setStatus(e.message, true);
  }
}

window.addEventListener("hashchange", route);
route();

// --- Export links (GET .../export, docs/dashboard.md "Export") ---
// exportLinks returns "PNG / SVG / GIF" download links for a panel; what()
// gives the panel's view, epoch and index at the moment of the click. The
// GIF has a frame per analyzed epoch, so it takes no epoch.
function exportLinks(what, gif = true) {
  const box = el("div", { class: "export" }, "export: ");
  for (const format of gif ? ["png", "svg", "gif"] : ["png", "svg"]) {
    const a = el("a", { href: "#", download: "", "data-format": format }, format.toUpperCase());
    a.addEventListener("click", () => {
      const w = what(), q = new URLSearchParams({ view: w.view, format });
      if (format !== "gif" && w.epoch != null) q.set("epoch", w.epoch);
      if (w.index && w.index.length) q.set("index", w.index.join(","));
      if (w.log) q.set("log", "1");
      a.href = probed(`${view.base}/export?${q}`);
    });
    if (box.childNodes.length > 1) box.append(" / ");
    box.append(a);
  }
  return box;
}
