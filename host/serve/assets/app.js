// tdw dashboard: plain JavaScript, nothing fetched from elsewhere (Plotly.js
// is vendored, assets/vendor). Views: the variants table (#/) and one
// variant (#/v/FAMILY/VARIANT[/PAGE], variant.js).
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

let view = null; // the open variant view (variant.js)

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
      if (key === "name") return el("td", { class: "c-name" }, el("a", { href: `#/v/${encodeURIComponent(r.family)}/${encodeURIComponent(r.name)}` }, r.name));
      const v = r[key];
      return el("td", { title: key === "state" ? r.error : "", class: "c-" + key }, typeof v === "number" ? fmt(v) : (v ?? "–"));
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
    wins.length ? el("span", { class: "legend windows" }, " · windows: ", ...wins) : null, ...peerLinks);
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

// ---------------------------------------------------------------- routing

async function route() {
  const h = location.hash.replace(/^#/, "").split("?")[0];
  const m = h.match(/^\/v\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/);
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
      const page = m[3] ? decodeURIComponent(m[3]) : "";
      if (view && view.info.family === fam && view.info.name === name && view.probe === hashProbe()) {
        if (page !== view.pageId) await showPage(page);
        return;
      }
      view = null;
      await showVariant(fam, name, page);
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
