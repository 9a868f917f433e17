// tdw dashboard: the comparison view (#/compare?v=FAMILY/VARIANT,...), which
// overlays chosen variants' training curves and any summary series, one
// colour per variant, and shows per-epoch arrays side by side
// (compare_arrays.js). Loaded before app.js; it uses app.js's helpers (el,
// fetchJSON, panelBox, fmt, setStatus) and viewplot.js's tdwView only when
// called.
"use strict";

// The variants' colours: render.ComparePalette's, so that an exported
// picture matches the page. Red is left to the epoch mark.
const COMPARE_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#17becf", "#e377c2",
  "#8c564b", "#bcbd22", "#000080", "#008080", "#800000", "#5a5a5a"];
const COMPARE_MAX = 12;

// comparePick is the variants table's checkbox cell for one variant.
function comparePick(key, onChange) {
  const box = el("input", { type: "checkbox", class: "pick", "data-v": key, "aria-label": "compare " + key });
  box.checked = tableState.picked.has(key);
  box.addEventListener("change", () => {
    if (box.checked) tableState.picked.add(key); else tableState.picked.delete(key);
    onChange();
  });
  return el("td", {}, box);
}

// compareExportLinks returns PNG / SVG links asking the server to draw a
// comparison panel; what() gives its view, index and log scale at the
// moment of the click.
function compareExportLinks(names, what) {
  const box = el("div", { class: "export" }, "export: ");
  for (const format of ["png", "svg"]) {
    const a = el("a", { href: "#", download: "", "data-format": format }, format.toUpperCase());
    a.addEventListener("click", () => {
      const w = what(), q = new URLSearchParams({ v: names.join(","), view: w.view, format });
      if (w.index && w.index.length) q.set("index", w.index.join(","));
      if (w.log) q.set("log", "1");
      a.href = `/api/compare/export?${q}`;
    });
    if (box.childNodes.length > 1) box.append(" / ");
    box.append(a);
  }
  return box;
}

// compareLegend lists the variants: colour, what differs, grokking epoch,
// and a link to the variant's page. notes maps a variant to a remark.
function compareLegend(variants, notes) {
  return el("div", { class: "legend compare-legend" }, ...variants.map((v, i) => {
    const key = v.family + "/" + v.name;
    const swatch = el("i");
    swatch.style.background = COMPARE_COLORS[i];
    const note = notes && notes.get(key);
    return el("div", { class: note ? "missing" : "", "data-v": key }, swatch, el("b", {}, v.label), " ",
      v.grokking_epoch >= 0 ? `grokking epoch ${v.grokking_epoch}` : "no grokking", " · ",
      el("a", { href: `#/v/${encodeURIComponent(v.family)}/${encodeURIComponent(v.name)}` }, v.name),
      note ? el("span", { class: "note" }, " — " + note) : null);
  }));
}

async function showCompare(params) {
  const names = (params.get("v") || "").split(",").map(s => s.trim()).filter(Boolean);
  delete document.body.dataset.compare;
  main.replaceChildren(el("p", {}, "Loading comparison…"));
  const vq = "v=" + encodeURIComponent(names.join(","));
  const data = await fetchJSON("/api/compare?" + vq);
  const vs = data.variants;
  const head = el("div", {},
    el("h2", {}, `Comparison of ${vs.length} variants`),
    el("div", { class: "params" }, data.differing.length ? "differing: " + data.differing.join(", ") : "no parameter differs"));

  // Training curves: test solid, train dashed, one colour per variant,
  // drawn from the comparison's view spec as the exports are.
  const lossP = el("div", { class: "plot" }), accP = el("div", { class: "plot" });
  const untrained = new Map(vs.filter(v => !v.train_losses.length).map(v => [v.family + "/" + v.name, "not trained"]));
  const drawCompare = async (plot, q) => {
    const spec = await fetchJSON(`/api/compare/view?${vq}&${q}`);
    await tdwView.draw(plot, spec, { height: 380, noTitle: true });
    return spec;
  };
  const training = el("div", { class: "panels" },
    el("div", { class: "panel cpanel", id: "compare-loss" }, el("h4", {}, "Loss (log scale; solid: test, dashed: train)"), lossP,
      compareExportLinks(names, () => ({ view: "loss" }))),
    el("div", { class: "panel cpanel", id: "compare-accuracy" }, el("h4", {}, "Accuracy (solid: test, dashed: train at checkpoints)"), accP,
      compareExportLinks(names, () => ({ view: "accuracy" }))));
  const trainSec = el("details", { class: "analyzer", open: "" }, el("summary", {}, "training"),
    compareLegend(vs, untrained), training);

  // Any summary series: one selector over every statistic of any variant.
  const sel = el("select", { id: "compare-series", "aria-label": "summary series" },
    el("option", { value: "" }, data.series.length ? "— pick a summary series —" : "no variant has summary series"));
  for (const s of data.series) {
    sel.append(el("option", { value: `${s.analyzer}/${s.name}` },
      `${s.analyzer} / ${s.name}${s.shape.length ? " " + JSON.stringify(s.shape) : ""} (${s.in.length} of ${vs.length})`));
  }
  const indexBox = el("span", { class: "controls" });
  const logBox = el("input", { type: "checkbox", id: "compare-log" });
  const seriesC = el("div", { class: "plot" });
  const seriesLegend = el("div");
  const seriesNote = el("div", { class: "readout", id: "compare-series-note" });
  let index = [];
  const seriesPanel = el("div", { class: "panel cpanel", id: "compare-summary" }, el("h4", {}, "Summary series"),
    el("div", { class: "controls" }, sel, " ", indexBox, " ", el("label", {}, logBox, " log y")),
    seriesC, seriesNote, seriesLegend,
    compareExportLinks(names, () => ({ view: sel.value.replace("/", "/summary/"), index, log: logBox.checked })));
  const seriesSec = el("details", { class: "analyzer", open: "" }, el("summary", {}, "summary series"),
    el("div", { class: "panels" }, seriesPanel));

  // drawSeries fetches the chosen statistic of every variant and overlays
  // it; a variant without it is named in the legend, never dropped.
  const drawSeries = async () => {
    const key = sel.value;
    const p = new URLSearchParams(location.hash.split("?")[1] || "");
    if (key) p.set("series", key); else p.delete("series");
    if (index.length) p.set("index", index.join(",")); else p.delete("index");
    history.replaceState(null, "", "#/compare?" + p.toString().replace(/%2F/g, "/").replace(/%2C/g, ","));
    seriesC.dataset.lines = "0";
    if (!key) { if (window.Plotly) Plotly.purge(seriesC); seriesLegend.replaceChildren(); seriesNote.textContent = ""; return; }
    setStatus("loading " + key + "…");
    const q = new URLSearchParams({ series: key });
    if (index.length) q.set("index", index.join(","));
    try {
      const r = await fetchJSON(`/api/compare/series?${vq}&${q}`);
      const drawn = r.variants.filter(v => v.status === "ok");
      const sq = new URLSearchParams({ view: key.replace("/", "/summary/") });
      if (index.length) sq.set("index", index.join(","));
      if (logBox.checked) sq.set("log", "1");
      await drawCompare(seriesC, sq);
      seriesC.dataset.lines = String(drawn.length);
      const missing = new Map(r.variants.filter(v => v.status !== "ok").map(v => [v.family + "/" + v.name, v.status]));
      seriesLegend.replaceChildren(compareLegend(vs, missing));
      seriesNote.textContent = missing.size ? `${missing.size} of ${vs.length} not analyzed for ${key}` : "";
      setStatus(`${key}: ${drawn.length} variants`);
    } catch (e) {
      seriesNote.textContent = e.message;
      setStatus(e.message, true);
    }
  };
  // setSeries builds the component selectors of a vector statistic.
  const setSeries = (want) => {
    const s = data.series.find(x => `${x.analyzer}/${x.name}` === sel.value);
    const shape = s ? s.shape : [];
    index = shape.map((_, i) => Math.min(shape[i] - 1, want && want[i] != null ? want[i] : 0));
    indexBox.replaceChildren(...shape.flatMap((n, i) => {
      const inp = el("input", { type: "number", min: 0, max: n - 1, value: index[i], "aria-label": "component " + i });
      inp.addEventListener("change", () => { index[i] = Math.max(0, Math.min(n - 1, +inp.value || 0)); inp.value = index[i]; drawSeries(); });
      return [shape.length > 1 ? `axis ${i} ` : "component ", inp, " "];
    }));
  };
  sel.addEventListener("change", () => { setSeries(null); drawSeries(); });
  logBox.addEventListener("change", drawSeries);

  const arrays = compareArrays(vs, params);
  main.replaceChildren(head, trainSec, seriesSec, arrays.box);
  setStatus("");
  await Promise.all([drawCompare(lossP, "view=loss"), drawCompare(accP, "view=accuracy")]);
  const want = params.get("series");
  if (want && data.series.some(x => `${x.analyzer}/${x.name}` === want)) {
    sel.value = want;
    setSeries((params.get("index") || "").split(",").filter(Boolean).map(Number));
    await drawSeries();
  }
  await arrays.load();
  document.body.dataset.compare = String(vs.length);
}
