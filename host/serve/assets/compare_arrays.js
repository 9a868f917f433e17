// tdw dashboard: the comparison page's per-epoch arrays side by side (the
// section "Per-epoch arrays side by side" of #/compare, compare.js). One
// per-epoch view of up to SIDE_MAX variants at one epoch, each panel drawn
// by tdwView from the variant's GET .../view, all on one colour range
// (color_range=LO,HI, so that the exports match the page). The hash keeps
// the view (view=, as=), the epoch (epoch=) and the leading axes
// (view_index=). Loaded before app.js; uses its helpers (el, api,
// fetchJSON, setStatus) only when called.
"use strict";

const SIDE_MAX = 4;

// sideKey names a listed view in the select: its name and style.
function sideKey(e) { return e.name + "|" + (e.as || ""); }

// sideHash rewrites the comparison's hash query with the given values
// (null deletes), keeping the others (the series of compare.js).
function sideHash(set) {
  const p = new URLSearchParams(location.hash.split("?")[1] || "");
  for (const [k, v] of Object.entries(set)) if (v == null || v === "") p.delete(k); else p.set(k, v);
  history.replaceState(null, "", "#/compare?" + p.toString().replace(/%2F/g, "/").replace(/%2C/g, ",").replace(/%7C/g, "|"));
}

// sharedColorRange returns one colour range for specs: the least of their
// minima and the greatest of their maxima, symmetric about 0 when any is
// drawn on the diverging map (RdBu); null when none has a colour scale.
function sharedColorRange(specs) {
  const cs = specs.filter(s => s && s.color).map(s => s.color);
  if (!cs.length) return null;
  let lo = Math.min(...cs.map(c => c.min)), hi = Math.max(...cs.map(c => c.max));
  const diverging = cs.some(c => c.map === "RdBu");
  if (diverging) { const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1; lo = -m; hi = m; }
  return { lo, hi, diverging };
}

// compareArrays builds the section for the compared variants vs (the
// /api/compare answer's) with the page's hash parameters params.
function compareArrays(vs, params) {
  const shown = vs.slice(0, SIDE_MAX);
  const bases = shown.map(v => `/api/variants/${encodeURIComponent(v.family)}/${encodeURIComponent(v.name)}`);
  const sel = el("select", { id: "side-view", "aria-label": "per-epoch view" }, el("option", { value: "" }, "loading views…"));
  const idxBox = el("span", { class: "controls", id: "side-index" });
  const slider = el("input", { type: "range", min: 0, max: 0, value: 0, id: "side-epoch", "aria-label": "epoch" });
  const prev = el("button", { id: "side-prev", title: "previous shared epoch" }, "◀");
  const next = el("button", { id: "side-next", title: "next shared epoch" }, "▶");
  const label = el("span", { class: "epoch", id: "side-epoch-label" });
  const note = el("div", { class: "readout", id: "side-note" });
  const grid = el("div", { class: "panels side", id: "side-panels" });
  const rangeNote = el("div", { class: "readout", id: "side-range" });
  const more = vs.length > SIDE_MAX
    ? el("p", { class: "desc", id: "side-more" }, `Only the first ${SIDE_MAX} of the ${vs.length} chosen variants are shown side by side.`) : null;
  const sec = el("details", { class: "analyzer", open: "", id: "side" }, el("summary", {}, "per-epoch arrays side by side"),
    more, el("div", { class: "controls sidebar" }, sel, " ", idxBox, " ", prev, slider, next, " ", label), note, grid, rangeNote);

  const st = { entries: [], manifests: [], epochs: [], idx: 0, entry: null, index: [], token: 0 };

  // load lists each shown variant's views and analyzed epochs, then fills
  // the select with the per-epoch views of the first variant.
  const load = async () => {
    const got = await Promise.all(bases.map(async b => {
      let entries = [], manifest = null;
      try { entries = await api(b + "/views"); } catch (e) { entries = []; }
      try { manifest = await api(b + "/manifest"); } catch (e) { manifest = { analyzers: [] }; }
      return { entries, manifest };
    }));
    st.entries = got.map(g => g.entries);
    st.manifests = got.map(g => g.manifest);
    const first = st.entries[0].filter(e => e.per_epoch);
    sel.replaceChildren(el("option", { value: "" }, first.length ? "— pick a per-epoch view —" : `${shown[0].name} has no per-epoch views`),
      ...first.map(e => {
        const n = st.entries.filter(es => es.some(x => sideKey(x) === sideKey(e))).length;
        return el("option", { value: sideKey(e), title: e.title || "" }, `${e.name}${e.as ? " as " + e.as : ""} (${n} of ${shown.length})`);
      }));
    const want = (params.get("view") || "") + "|" + (params.get("as") || "");
    if (params.get("view") && first.some(e => sideKey(e) === want)) {
      sel.value = want;
      pickView((params.get("view_index") || "").split(",").filter(Boolean).map(Number), params.has("epoch") ? +params.get("epoch") : null);
      await draw();
    }
  };

  // pickView sets the chosen view: its leading-axis inputs and the epochs
  // its analyzer has analyzed in every shown variant that has the view.
  const pickView = (wantIndex, wantEpoch) => {
    const key = sel.value;
    st.entry = key ? st.entries[0].find(e => sideKey(e) === key) : null;
    const e = st.entry;
    if (!e) { st.epochs = []; idxBox.replaceChildren(); return; }
    const sets = [];
    shown.forEach((v, i) => {
      if (!st.entries[i].some(x => sideKey(x) === key)) return;
      const a = st.manifests[i].analyzers.find(a => a.name === e.analyzer && !a.cross);
      sets.push(new Set(a ? a.epochs : []));
    });
    st.epochs = sets.length ? [...sets[0]].filter(x => sets.every(s => s.has(x))).sort((x, y) => x - y) : [];
    const at = st.epochs.indexOf(wantEpoch);
    st.idx = at >= 0 ? at : Math.max(0, st.epochs.length - 1);
    slider.max = Math.max(0, st.epochs.length - 1);
    slider.value = st.idx;
    slider.disabled = prev.disabled = next.disabled = st.epochs.length < 2;
    // Leading axes: one input each, bounded by the smallest variant's.
    const sels = e.selectors || [];
    const sizes = sels.map(s => Math.min(...shown.map((v, i) => {
      const x = st.entries[i].find(x => sideKey(x) === key);
      const y = x && (x.selectors || []).find(y => y.axis === s.axis);
      return y ? y.size : s.size;
    })));
    st.index = sels.map((s, i) => Math.max(0, Math.min(sizes[i] - 1, wantIndex && wantIndex[i] != null ? wantIndex[i] : /query/.test(s.axis) ? sizes[i] - 1 : 0)));
    idxBox.replaceChildren(...sels.flatMap((s, i) => {
      const inp = el("input", { type: "number", min: 0, max: sizes[i] - 1, value: st.index[i], "aria-label": s.axis, "data-axis": s.axis });
      inp.addEventListener("change", () => { st.index[i] = Math.max(0, Math.min(sizes[i] - 1, +inp.value || 0)); inp.value = st.index[i]; draw(); });
      return [s.axis + " ", inp, ` of 0…${sizes[i] - 1} `];
    }));
  };

  // draw fetches the chosen view of every shown variant at the epoch,
  // finds the shared colour range, and draws each panel on it.
  const draw = async () => {
    const e = st.entry, token = ++st.token;
    const epoch = st.epochs.length ? st.epochs[st.idx] : null;
    sideHash({ view: e ? e.name : null, as: e ? e.as : null, epoch: e && epoch != null ? epoch : null,
      view_index: e && st.index.length ? st.index.join(",") : null });
    delete sec.dataset.drawn;
    for (const d of grid.querySelectorAll(".plot")) if (d.data) Plotly.purge(d);
    grid.replaceChildren(); rangeNote.textContent = ""; note.textContent = "";
    label.textContent = epoch != null ? `epoch ${epoch} (${st.idx + 1}/${st.epochs.length})` : "";
    if (!e) return;
    if (epoch == null) {
      note.textContent = `no analyzed epoch of ${e.analyzer} is shared by the variants that have ${e.name}: nothing to show side by side`;
      sec.dataset.drawn = "0";
      return;
    }
    setStatus(`loading ${e.name} at epoch ${epoch}…`);
    const query = range => {
      const q = new URLSearchParams({ name: e.name, epoch });
      if (e.as) q.set("as", e.as);
      if (st.index.length) q.set("index", st.index.join(","));
      if (range) q.set("color_range", range.lo + "," + range.hi);
      return q;
    };
    const has = shown.map((v, i) => st.entries[i].some(x => sideKey(x) === sideKey(e)));
    // First each variant's own spec, for its colour range.
    const own = await Promise.allSettled(bases.map((b, i) => has[i] ? api(`${b}/view?${query(null)}`) : Promise.reject(new Error(`${shown[i].name} has no view ${e.name}`))));
    if (token !== st.token) return;
    const range = sharedColorRange(own.map(r => r.status === "fulfilled" ? r.value : null));
    const specs = await Promise.allSettled(bases.map((b, i) => own[i].status !== "fulfilled" ? Promise.reject(own[i].reason)
      : range ? api(`${b}/view?${query(range)}`) : Promise.resolve(own[i].value)));
    if (token !== st.token) return;
    let drawn = 0;
    const jobs = shown.map(async (v, i) => {
      const box = el("div", { class: "panel vpanel", "data-v": v.family + "/" + v.name, "data-view": e.name }, el("h4", {}, v.name));
      box.title = v.label || "";
      grid.append(box);
      const r = specs[i];
      // A variant without the view, or whose spec failed: a panel saying
      // why, with nothing to export.
      if (!has[i]) { box.classList.add("missing"); box.append(el("p", { class: "why" }, r.reason.message)); return; }
      const plot = el("div", { class: "plot" }), readout = el("div", { class: "readout" }), sub = el("div", { class: "sub" });
      if (r.status !== "fulfilled") { box.classList.add("err"); box.append(readout); readout.textContent = r.reason.message; return; }
      box.append(sub, plot, readout, sideExports(bases[i], () => { const q = query(range); q.delete("name"); q.set("view", e.name); return q; }));
      const spec = r.value;
      sub.textContent = `${spec.title}${v.label ? " · " + v.label : ""}`;
      await tdwView.draw(plot, spec, { epoch: null, height: 340, noTitle: true });
      if (spec.color) box.dataset.colorRange = spec.color.min + "," + spec.color.max;
      box.dataset.drawn = spec.kind;
      drawn++;
    });
    await Promise.allSettled(jobs);
    if (token !== st.token) return;
    const c = specs.map(r => r.status === "fulfilled" ? r.value.color : null).find(c => c);
    rangeNote.textContent = range && c
      ? `All panels share one colour range, ${fmt(c.min)} to ${fmt(c.max)}` +
        `${range.diverging ? " (diverging, symmetric about 0)" : ""}` +
        (drawn > 1 ? `: the least minimum and greatest maximum of the ${drawn} pictures, so that colours compare across variants.` : " (one picture drawn: its own range).")
      : "These pictures have no colour scale.";
    sec.dataset.drawn = String(drawn);
    sec.dataset.epoch = String(epoch);
    setStatus(`${e.name} at epoch ${epoch}: ${drawn} of ${shown.length} variants`);
  };

  const setIdx = i => {
    i = Math.max(0, Math.min(st.epochs.length - 1, i));
    if (i === st.idx) return;
    st.idx = i; slider.value = i;
    draw();
  };
  slider.addEventListener("input", () => setIdx(+slider.value));
  prev.addEventListener("click", () => setIdx(st.idx - 1));
  next.addEventListener("click", () => setIdx(st.idx + 1));
  sel.addEventListener("change", () => { pickView(null, st.epochs[st.idx]); draw(); });
  return { box: sec, load };
}

// sideExports are a side-by-side panel's download links: PNG, SVG, PDF,
// HTML of its picture on the shared colour range, through the variant's
// GET .../export (as the variant page's panels link them).
function sideExports(base, params) {
  const box = el("div", { class: "export" }, "export ");
  for (const format of ["png", "svg", "pdf", "html"]) {
    const a = el("a", { href: "#", download: "", "data-format": format }, format.toUpperCase());
    a.addEventListener("click", () => {
      const q = params();
      q.set("format", format);
      a.href = `${base}/export?${q}`;
    });
    if (box.childNodes.length > 1) box.append(" · ");
    box.append(a);
  }
  return box;
}
