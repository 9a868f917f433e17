// tdw dashboard: the peer comparison (#/peers/FAMILY/VARIANT?by=SEED): an
// anchor variant and the variants differing from it only in one seed
// parameter; the weight divergence of each peer from the anchor over
// epochs (total and per matrix, % of the anchor's norm), with a link to
// the comparison view for the loss overlay. Loaded before app.js; it uses
// app.js's helpers only when called.
"use strict";

async function showPeers(family, name, by) {
  main.replaceChildren(el("p", {}, "Loading peers of " + name + "…"));
  const base = `/api/variants/${encodeURIComponent(family)}/${encodeURIComponent(name)}`;
  const data = await fetchJSON(`${base}/peers` + (by ? "?by=" + encodeURIComponent(by) : ""));
  const self = `#/peers/${encodeURIComponent(family)}/${encodeURIComponent(name)}?by=`;
  const pick = el("select", { id: "peers-by", "aria-label": "seed parameter" }, ...data.seeds.map(s => {
    const o = el("option", { value: s }, s);
    if (s === data.by) o.selected = true;
    return o;
  }));
  pick.addEventListener("change", () => { location.hash = self + encodeURIComponent(pick.value); });
  const anchorLink = el("a", { href: `#/v/${encodeURIComponent(family)}/${encodeURIComponent(name)}` }, name);
  const head = el("div", {}, el("h2", {}, "Peers of " + name),
    el("div", { class: "params" }, "anchor ", anchorLink, " · peers differing only in ", pick));
  if (!data.peers.length) {
    main.replaceChildren(head, el("p", { class: "panel warn", id: "peers-none" }, `No variant of ${family} differs from this one only in ${data.by}.`));
    setStatus("");
    return;
  }
  const keys = [family + "/" + name, ...data.peers.map(p => family + "/" + p.name)].slice(0, COMPARE_MAX);
  const lossLink = el("a", { id: "peers-loss", href: "#/compare?v=" + keys.map(encodeURIComponent).join(",") }, "loss overlay of anchor and peers");
  const legendBox = el("div", { class: "legend compare-legend" }, ...data.peers.map((p, i) => {
    const sw = el("i"); sw.style.background = COMPARE_COLORS[(i + 1) % COMPARE_COLORS.length];
    return el("div", { class: p.note ? "missing" : "" }, sw, el("b", {}, `${data.by}=${p.value}`), " ",
      el("a", { href: `#/v/${encodeURIComponent(family)}/${encodeURIComponent(p.name)}` }, p.name),
      p.note ? el("span", { class: "note" }, " — " + p.note) : null);
  }));
  const drawn = data.peers.filter(p => p.epochs.length);
  const totalC = canvas(560, 260);
  lineChart(totalC, { xlabel: "epoch", series: data.peers.map((p, i) => ({ x: p.epochs, y: p.total, color: COMPARE_COLORS[(i + 1) % COMPARE_COLORS.length], dots: true })) });
  const total = el("div", { class: "panel", id: "peers-total" }, el("h4", {}, "Weight divergence from the anchor, all matrices (% of the anchor's norm)"), totalC);

  // Per matrix: one peer at a time.
  const matC = canvas(560, 260), which = el("select", { id: "peers-peer", "aria-label": "peer" },
    ...drawn.map((p, i) => el("option", { value: i }, `${data.by}=${p.value}`)));
  const matLegend = el("div", { class: "legend" });
  const drawMatrices = () => {
    const p = drawn[+which.value];
    if (!p) return;
    const names = Object.keys(p.matrices).sort();
    lineChart(matC, { xlabel: "epoch", series: names.map((n, i) => ({ x: p.epochs, y: p.matrices[n], color: COLORS[i % COLORS.length] })) });
    matLegend.replaceChildren(...names.map((n, i) => el("span", {}, (() => { const x = el("i"); x.style.background = COLORS[i % COLORS.length]; return x; })(), n)));
  };
  which.addEventListener("change", drawMatrices);
  drawMatrices();
  const perMatrix = el("div", { class: "panel", id: "peers-matrices" }, el("h4", {}, "Per weight matrix (% of the anchor matrix's norm) for peer "), which, matC, matLegend);
  main.replaceChildren(head, el("p", {}, lossLink), legendBox, el("div", { class: "panels" }, total, perMatrix));
  document.body.dataset.peers = drawn.length;
  setStatus("");
}
