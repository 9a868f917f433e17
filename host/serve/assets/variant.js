// tdw dashboard: one variant (#/v/FAMILY/VARIANT[/PAGE]). The family's
// pages (family.json "pages", docs/dashboard.md "Pages") are listed in a
// left navigation; each page is a set of panels, each panel one view spec
// (GET .../view, docs/formats/view-spec.md) drawn by tdwView (viewplot.js,
// Plotly.js). One epoch is shared by every panel: moving it refetches the
// per-epoch specs and only moves the marker of the pictures over epochs.
// Leading axes (neuron, head, position) are chosen once per page.
"use strict";

// The pages of a family that declares none: the training curves and the
// generic view of every artifact.
const DEFAULT_PAGES = [
  { id: "training", title: "Training", kind: "views", views: [{ view: "loss" }, { view: "accuracy" }] },
  { id: "all", title: "All artifacts", kind: "all" },
];

async function showVariant(family, name, pageId) {
  delete document.body.dataset.page;
  main.replaceChildren(el("p", {}, "Loading " + name + "…"));
  probeName = hashProbe();
  const base = `/api/variants/${encodeURIComponent(family)}/${encodeURIComponent(name)}`;
  const info = await api(base);
  let manifest = null;
  try { manifest = await api(base + "/manifest"); } catch (e) { manifest = { analyzers: [], error: e.message }; }
  let entries = [], listError = "";
  try { entries = await api(base + "/views"); } catch (e) { listError = e.message; }
  // The slider runs over the analyzed epochs (all checkpoints when nothing
  // is analyzed yet), so that every step shows artifacts.
  const analyzed = new Set();
  for (const a of manifest.analyzers) if (!a.cross) a.epochs.forEach(e => analyzed.add(e));
  const epochs = analyzed.size ? [...analyzed].sort((x, y) => x - y) : info.checkpoint_epochs;
  view = { base, info, manifest, entries, listError, epochs, idx: 0, panels: [], probe: probeName, sel: {}, fixed: false, pageId: null };
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
  const fixed = el("input", { type: "checkbox", id: "fixed-range" });
  fixed.addEventListener("change", () => { view.fixed = fixed.checked; setEpochIndex(view.idx, true); });
  view.slider = slider; view.label = label;

  // The state says what runs on the variant (a job) before what it is.
  const state = el("span", { id: "variant-state", "data-variant": family + "/" + name }, info.job ? `${info.job.kind} ${info.job.state}…` : info.state);
  const head = el("div", {},
    el("h2", {}, name),
    el("div", { class: "params" }, `${family} · ${Object.entries(info.params).map(([k, v]) => `${k}=${v}`).join(", ")} · `, state,
      ` · ${info.epochs} epochs · grokking epoch ${info.grokking_epoch < 0 ? "– (test accuracy stays under 0.99)" : info.grokking_epoch}`));
  head.append(outcomeLine(family, name, info), probeSelect(info));
  const bar = el("div", { class: "epochbar" }, prev, slider, next, label,
    el("label", { class: "fixed", title: "draw every epoch of a per-epoch picture on one colour (or y) range, so that epochs compare" }, fixed, " one colour range across epochs"));
  view.nav = el("nav", { class: "pagenav", id: "pagenav", "aria-label": "pages" });
  view.content = el("div", { class: "pagecontent", id: "page" });
  main.replaceChildren(head, bar, el("div", { class: "vlayout" }, view.nav, view.content));
  await showPage(pageId);
}

function pagesOf(info) { return info.pages && info.pages.length ? info.pages : DEFAULT_PAGES; }

// pageHash is the address of one page of the open variant, keeping the
// epoch and probe.
function pageHash(id) {
  const q = new URLSearchParams(location.hash.split("?")[1] || "");
  return `#/v/${encodeURIComponent(view.info.family)}/${encodeURIComponent(view.info.name)}/${encodeURIComponent(id)}` + (q.toString() ? "?" + q : "");
}

// showPage draws one page of the open variant (the first for an unknown id).
async function showPage(pageId) {
  const pages = pagesOf(view.info);
  const page = pages.find(p => p.id === pageId) || pages[0];
  view.pageId = pageId;
  view.page = page;
  delete document.body.dataset.page;
  for (const d of view.content.querySelectorAll(".plot")) if (d.data) Plotly.purge(d);
  view.panels = [];
  view.selectors = new Map();
  view.nav.replaceChildren(...pages.map(p => el("a", { href: pageHash(p.id), class: p.id === page.id ? "active" : "", "data-page": p.id, title: p.description || "" }, p.title)));
  const parts = [el("h3", {}, page.title)];
  if (page.description) parts.push(el("p", { class: "desc" }, page.description));
  if (view.info.pages_problem) parts.push(el("details", { class: "panel warn", id: "pages-problem" }, el("summary", {}, "some views of this family's pages do not resolve"), view.info.pages_problem));
  if (view.listError) parts.push(el("p", { class: "panel warn" }, "views: " + view.listError));
  if (view.manifest.error) parts.push(el("p", { class: "panel warn" }, view.manifest.error));
  const controls = el("div", { class: "selectors", id: "selectors" });
  parts.push(controls);
  if (page.headline) parts.push(headline());
  if (page.kind === "comparison") {
    const me = view.info.family + "/" + view.info.name;
    parts.push(el("p", {}, "Overlay this variant's curves with other variants': pick them in the ",
      el("a", { href: "#/" }, "variants table"), " and press Compare, or open ",
      el("a", { href: "#/compare?v=" + encodeURIComponent(me), id: "compare-link" }, "the comparison with this variant"), "."));
  } else if (page.kind === "all") {
    parts.push(...allSections());
  } else {
    const grid = el("div", { class: "panels" });
    for (const item of page.views || []) for (const p of pagePanels(item)) { grid.append(p.box); view.panels.push(p); }
    parts.push(grid);
  }
  view.content.replaceChildren(...parts);
  drawSelectors(controls);
  await setEpochIndex(view.idx, true);
  if (view.page === page) document.body.dataset.page = page.id;
}

// analyzerOf returns the manifest's record of an analyzer, or null.
function analyzerOf(name) { return view.manifest.analyzers.find(a => a.name === name) || null; }

// pagePanels turns one of a page's views into panels: one per matching
// listed view (a name with * matches several), or one saying why the
// variant has nothing to draw.
function pagePanels(item) {
  const name = item.view, analyzer = name === "loss" || name === "accuracy" ? "" : name.split("/")[0];
  if (name.includes("*")) {
    const re = new RegExp("^" + name.split("*").map(s => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$");
    const found = view.entries.filter(e => re.test(e.name) && (!item.as || e.as === item.as));
    if (found.length) return found.map(e => makePanel({ name: e.name, as: item.as || e.as, log: item.log, entry: e }));
  } else {
    const e = view.entries.find(e => e.name === name && (!item.as || e.as === item.as)) || view.entries.find(e => e.name === name);
    if (e || (analyzer && view.entries.some(x => x.analyzer === analyzer)))
      return [makePanel({ name, as: item.as || (e && !item.as ? e.as : ""), log: item.log, entry: e })];
  }
  const why = analyzer ? (analyzerOf(analyzer) || view.entries.some(x => x.analyzer === analyzer)
    ? `${analyzer} has no artifact for this view`
    : `analyzer ${analyzer} has not run on this variant${probeName ? " over probe " + probeName : ""}; to see this panel: ` +
      `tdw-host analyze ${view.info.family}/${view.info.name} --analyzers ${analyzer}${probeName ? " --probe " + probeName : ""}`)
    : "the variant is not trained yet";
  return [missingPanel(name, why)];
}

function missingPanel(name, why) {
  const box = el("div", { class: "panel vpanel missing", "data-view": name }, el("h4", {}, name), el("p", { class: "why" }, why));
  return { box, update: () => Promise.resolve() };
}

// allSections is the generic page: every listed view, grouped by analyzer
// (the training curves first), each analyzer a section that fetches
// nothing while closed.
function allSections() {
  const groups = new Map([["training", []]]);
  for (const e of view.entries) {
    const g = e.analyzer || "training";
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(e);
  }
  const out = [];
  for (const [g, es] of groups) {
    if (!es.length) continue;
    const a = analyzerOf(g);
    const sec = el("details", { class: "analyzer" });
    if (g !== "parameter_snapshot") sec.setAttribute("open", "");
    let desc = "";
    if (a) desc = a.cross ? `${a.kind} · v${a.version} · cross-epoch artifact` : `${a.kind} · v${a.version} · ${a.epochs.length} epochs analyzed`;
    sec.append(el("summary", {}, g, el("span", { class: "desc" }, desc)));
    const box = el("div", { class: "panels" });
    sec.append(box);
    for (const e of es) {
      const p = makePanel({ name: e.name, as: e.as, entry: e });
      const update = p.update;
      p.update = () => sec.open ? update() : Promise.resolve();
      box.append(p.box);
      view.panels.push(p);
    }
    sec.addEventListener("toggle", () => { if (sec.open) setEpochIndex(view.idx, true); });
    out.push(sec);
  }
  if (out.length === 1) out.push(el("p", {}, "No analyses yet: analyze the variant to see its artifacts."));
  return out;
}

// makePanel builds the panel of one view: its plot, what it shows, export
// links with the very parameters the panel's spec was asked with.
function makePanel(req) {
  const e = req.entry;
  req.perEpoch = e ? e.per_epoch : req.name.split("/").length === 2;
  req.selectors = e && e.selectors ? e.selectors : [];
  for (const s of req.selectors) addSelector(s);
  const plot = el("div", { class: "plot" });
  const note = el("div", { class: "readout" });
  const title = (e && e.title) || req.name;
  const h4 = el("h4", {}, title), sub = el("div", { class: "sub" });
  const box = el("div", { class: "panel vpanel", "data-view": req.name, "data-as": req.as || "" });
  const kind = e ? e.kind : "";
  if (kind === "heatmap" || kind === "scatter3d") box.classList.add("tall");
  const p = { req, box, plot, spec: null, key: "" };
  p.params = forExport => {
    const q = new URLSearchParams();
    q.set(forExport ? "view" : "name", req.name);
    if (req.as) q.set("as", req.as);
    if (req.perEpoch || forExport) q.set("epoch", view.epoch);
    if (req.selectors.length) q.set("index", req.selectors.map(s => view.sel[s.axis] ?? 0).join(","));
    if (req.log) q.set("log", "1");
    if (view.fixed && req.perEpoch) q.set("fixed_range", "1");
    return q;
  };
  p.update = async () => {
    box.classList.remove("err");
    if (req.perEpoch && e && e.analyzer) {
      const a = analyzerOf(e.analyzer);
      if (a && !a.cross && !a.epochs.includes(view.epoch)) {
        note.textContent = `${e.analyzer} has no artifact at epoch ${view.epoch} (analyzed: ${a.epochs.length ? a.epochs[0] + "…" + a.epochs[a.epochs.length - 1] : "none"})`;
        box.classList.add("stale");
        return;
      }
    }
    box.classList.remove("stale");
    const url = probed(`${view.base}/view?${p.params(false)}`);
    if (url === p.key) {
      if (!req.perEpoch) await tdwView.moveEpoch(plot, view.epoch);
      return;
    }
    const spec = await cached(url, () => fetchJSON(url));
    p.key = url; p.spec = spec;
    note.textContent = "";
    h4.textContent = spec.title; sub.textContent = spec.subtitle || "";
    await tdwView.draw(plot, spec, { epoch: req.perEpoch ? null : view.epoch, height: box.classList.contains("tall") ? 420 : 300, noTitle: true,
      onCell: c => cellPicked(spec, c), onX: x => xPicked(spec, x) });
    box.dataset.drawn = spec.kind;
  };
  box.append(h4, sub, plot, note, panelExports(p));
  if (e && e.description) box.title = e.description;
  box.dataset.title = title;
  return p;
}

// panelExports are the panel's download links: PNG, SVG, PDF, HTML of
// what it shows now, and a GIF over the analyzed epochs of a per-epoch
// view (one colour range across its frames).
function panelExports(p) {
  const box = el("div", { class: "export" }, "export ");
  const formats = ["png", "svg", "pdf", "html"].concat(p.req.perEpoch ? ["gif"] : []);
  for (const format of formats) {
    const a = el("a", { href: "#", download: "", "data-format": format }, format.toUpperCase());
    a.addEventListener("click", () => {
      const q = p.params(true);
      q.set("format", format);
      if (format === "gif") { q.delete("epoch"); q.delete("fixed_range"); }
      a.href = probed(`${view.base}/export?${q}`);
    });
    if (box.childNodes.length > 1) box.append(" · ");
    box.append(a);
  }
  return box;
}

// cellPicked: a click on a cell of a neuron axis selects that neuron on
// the page; a click on an epoch axis moves the epoch.
function cellPicked(spec, c) {
  if (/neuron/i.test(spec.x.title || "")) return setSel("neuron", c.colIndex);
  if (/neuron/i.test(spec.y.title || "")) return setSel("neuron", c.rowIndex);
  xPicked(spec, c.x);
}

function xPicked(spec, x) {
  if (/^epoch/.test(spec.x.title || "") && typeof x === "number") setEpochIndex(nearestIndex(view.epochs, x));
}

// addSelector registers a leading axis of the page's panels: one control
// per axis name, shared by the panels that fix it.
function addSelector(s) {
  const cur = view.selectors.get(s.axis);
  if (cur) { cur.size = Math.min(cur.size, s.size); return; }
  view.selectors.set(s.axis, { axis: s.axis, size: s.size });
  // Attention from the last (answer) position is the interesting default.
  if (view.sel[s.axis] == null) view.sel[s.axis] = /query/.test(s.axis) ? s.size - 1 : 0;
  view.sel[s.axis] = Math.min(view.sel[s.axis], s.size - 1);
}

function selId(axis) { return "sel-" + axis.replace(/[^a-z0-9]+/gi, "-"); }

function drawSelectors(box) {
  const rows = [];
  for (const s of view.selectors.values()) {
    const id = selId(s.axis);
    const inp = el("input", { type: "number", min: 0, max: s.size - 1, value: view.sel[s.axis], id, "aria-label": s.axis });
    inp.addEventListener("change", () => setSel(s.axis, +inp.value || 0));
    const prev = el("button", { id: id + "-prev", title: "previous " + s.axis }, "◀");
    const next = el("button", { id: id + "-next", title: "next " + s.axis }, "▶");
    prev.addEventListener("click", () => setSel(s.axis, view.sel[s.axis] - 1));
    next.addEventListener("click", () => setSel(s.axis, view.sel[s.axis] + 1));
    rows.push(el("span", { class: "selector" }, s.axis + " ", prev, inp, next, el("span", { class: "of" }, ` of 0…${s.size - 1}`)));
  }
  box.replaceChildren(...rows);
}

// setSel selects index i of a leading axis on the page and redraws.
function setSel(axis, i) {
  const s = view.selectors.get(axis);
  if (!s || i == null || i < 0) return;
  i = Math.max(0, Math.min(s.size - 1, i));
  view.sel[axis] = i;
  const inp = document.getElementById(selId(axis));
  if (inp) inp.value = i;
  setEpochIndex(view.idx, true);
}

// headline shows the current epoch's numbers: losses and accuracies (from
// the training record), the grokking epoch, the key frequencies (from
// progress_measures when it has run).
function headline() {
  const box = el("div", { class: "headline", id: "headline" });
  view.panels.push({ box, update: async () => {
    const info = view.info, e = view.epoch;
    const ck = info.checkpoint_records.find(c => c.epoch === e);
    const at = (arr, i) => i >= 0 && i < arr.length ? arr[i] : null;
    const trainLoss = ck ? ck.train_loss : at(info.train_losses, e), testLoss = ck ? ck.test_loss : at(info.test_losses, e);
    const trainAcc = ck ? ck.train_accuracy : null, testAcc = ck ? ck.test_accuracy : at(info.test_accuracies, e);
    const cells = [["epoch", e], ["train loss", trainLoss], ["test loss", testLoss], ["train accuracy", trainAcc], ["test accuracy", testAcc],
      ["grokking epoch", info.grokking_epoch < 0 ? "not yet" : info.grokking_epoch]];
    if (analyzerOf("progress_measures")) {
      try {
        const sum = await api(`${view.base}/analyzers/progress_measures/summary`);
        const i = sum.epochs.indexOf(e), kf = sum.series.key_frequencies;
        if (i >= 0 && kf) {
          const n = kf.shape[kf.shape.length - 1], row = kf.data.slice(i * n, (i + 1) * n);
          const ks = row.map((v, j) => v > 0 ? j + 1 : null).filter(k => k != null);
          cells.push(["key frequencies", ks.length ? ks.join(", ") : "none"]);
        }
      } catch (err) { cells.push(["key frequencies", err.message]); }
    } else cells.push(["key frequencies", "run progress_measures"]);
    box.replaceChildren(...cells.map(([k, v]) => el("div", { class: "cell" }, el("span", { class: "k" }, k), el("span", { class: "v" }, typeof v === "number" ? fmt(v) : v ?? "–"))));
  } });
  return box;
}

// setEpochIndex moves every panel of the page to checkpoint epochs[i].
async function setEpochIndex(i, force) {
  if (!view || !view.epochs.length) {
    if (view) await Promise.allSettled(view.panels.map(p => p.update()));
    return;
  }
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
  const failed = [];
  results.forEach((r, j) => {
    if (r.status !== "rejected") return;
    failed.push(r.reason);
    const p = view.panels[j];
    if (p.box && p.plot) { p.box.classList.add("err"); p.box.querySelector(".readout").textContent = r.reason.message; }
  });
  const ms = Math.round(performance.now() - t0);
  document.body.dataset.epoch = view.epoch;
  document.body.dataset.updateMs = ms;
  setStatus(failed.length ? `${failed.length} panels failed: ${failed[0].message}` : `epoch ${view.epoch}: ${ms} ms`, failed.length > 0);
}

document.addEventListener("keydown", ev => {
  if (!view || ev.target.tagName === "INPUT" && ev.target.type !== "range") return;
  if (ev.key === "ArrowLeft") { setEpochIndex(view.idx - 1); ev.preventDefault(); }
  if (ev.key === "ArrowRight") { setEpochIndex(view.idx + 1); ev.preventDefault(); }
});
