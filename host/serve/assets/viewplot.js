// tdwView draws a view spec (docs/formats/view-spec.md) with Plotly.js. The
// dashboard's panels and the standalone HTML exports (host/render/html.go
// inlines this file) both draw through it, so a file shows what its panel
// shows: the same data, axis titles, ticks and colour range.
//
//   tdwView.draw(div, spec, opts) → Promise (Plotly.react: fast on redraw)
//   opts.epoch   marks this epoch on a picture over epochs (the page keeps
//                one fetched spec and moves the marker)
//   opts.height  the plot's height in px (default: the div's, or 360)
//   opts.onCell  called with {row, col, x, y, rowIndex, colIndex} when a
//                heatmap cell is clicked
//   opts.onX     called with the x of a click on a picture over epochs
//   opts.noTitle leaves the title out of the plot (the page's panel shows
//                it above, clear of the mode bar)
"use strict";
var tdwView = (function () {
  const FONT = { family: "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif", size: 12, color: "#222" };

  // formatTick writes a tick value as host/view.FormatTick does.
  function formatTick(v) {
    if (v === 0) return "0";
    const a = Math.abs(v);
    if (a >= 1e-4 && a < 1e6) return String(+v.toPrecision(12));
    return v.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }

  function axis(a, extra) {
    const o = {
      title: { text: a.title || "", standoff: 6 }, automargin: true, zeroline: false, showline: true, mirror: true,
      linecolor: "#999", ticks: "outside", ticklen: 4, tickcolor: "#999", gridcolor: "#eee", showgrid: true,
    };
    if (a.log) o.type = "log";
    if (a.range) o.range = a.log ? [Math.log10(a.range[0]), Math.log10(a.range[1])] : a.range.slice();
    if (a.ticks && a.ticks.length) {
      o.tickmode = "array"; o.tickvals = a.ticks;
      o.ticktext = a.tick_labels && a.tick_labels.length === a.ticks.length ? a.tick_labels : a.ticks.map(formatTick);
    }
    return Object.assign(o, extra || {});
  }

  function colorbar(c) {
    const cb = { title: { text: c.title || "", side: "right" }, thickness: 14, len: 0.9, outlinewidth: 0, ticks: "outside", ticklen: 3 };
    if (c.ticks && c.ticks.length) { cb.tickmode = "array"; cb.tickvals = c.ticks; cb.ticktext = c.ticks.map(formatTick); }
    return cb;
  }

  function colorscale(c) {
    return c.scale && c.scale.length ? c.scale : (c.map === "RdBu" ? "RdBu" : "Viridis");
  }

  // rows2d turns the grid's row-major cells into Plotly's z (row 0 first:
  // drawn at the bottom, y = grid.y[0]).
  function rows2d(g) {
    const z = new Array(g.rows);
    for (let r = 0; r < g.rows; r++) z[r] = g.z.slice(r * g.cols, (r + 1) * g.cols);
    return z;
  }

  function hoverNum(ax) { return ax && ax.log ? ":.3~g" : ":.4~g"; }

  function traces(spec) {
    const xt = spec.x.title || "x", yt = spec.y.title || "y";
    if (spec.kind === "heatmap" && spec.grid) {
      const g = spec.grid, c = spec.color || { min: 0, max: 1, title: "" };
      const t = {
        type: "heatmap", z: rows2d(g), x: g.x, y: g.y, zmin: c.min, zmax: c.max, zauto: false,
        colorscale: colorscale(c), colorbar: colorbar(c), xgap: 0, ygap: 0, hoverongaps: false,
        hovertemplate: `${xt} %{x}<br>${yt} %{y}<br>${c.title || "value"} %{z:.4~g}<extra></extra>`,
      };
      if (g.col_index || g.row_index) {
        // A sorted heatmap hovers the array index the cell holds.
        const cd = [];
        for (let r = 0; r < g.rows; r++) {
          const row = new Array(g.cols);
          for (let j = 0; j < g.cols; j++) row[j] = g.col_index ? g.col_index[j] : g.row_index[r];
          cd.push(row);
        }
        t.customdata = cd;
        t.hovertemplate = `${xt} %{x} (index %{customdata})<br>${yt} %{y}<br>${c.title || "value"} %{z:.4~g}<extra></extra>`;
      }
      return [t];
    }
    const out = [];
    for (const s of spec.series || []) {
      const line = { color: s.color || undefined, width: 1.8, dash: s.dash && s.dash !== "solid" ? s.dash : "solid" };
      if (spec.kind === "bars") {
        out.push({ type: "bar", name: s.name, x: s.x, y: s.y, marker: { color: s.color || "#1f77b4" },
          hovertemplate: `${xt} %{x}<br>${s.name || yt} %{y:.4~g}<extra></extra>` });
        continue;
      }
      const is3d = spec.kind === "scatter3d";
      const mode = s.mode || (spec.kind === "lines" ? "lines" : spec.kind === "scatter3d" ? "lines+markers" : "markers");
      const t = { type: is3d ? "scatter3d" : "scatter", name: s.name, x: s.x, y: s.y, mode, line,
        marker: { color: s.color || undefined, size: is3d ? 3 : 5 } };
      if (is3d) {
        t.z = s.z;
        t.line = { width: 4, color: s.color || undefined };
        t.hovertemplate = `${xt} %{x:.4~g}<br>${yt} %{y:.4~g}<br>${(spec.z && spec.z.title) || "z"} %{z:.4~g}` +
          (s.c ? "<br>" + ((spec.color && spec.color.title) || "c") + " %{marker.color:.4~g}" : "") + "<extra></extra>";
      } else {
        t.hovertemplate = `${xt} %{x${hoverNum(spec.x)}}<br>${s.name || yt} %{y${hoverNum(spec.y)}}<extra></extra>`;
        if (spec.kind === "lines" && s.x && s.x.length > 2000) t.type = "scattergl";
      }
      if (s.c && spec.color) {
        const c = spec.color;
        t.marker = { color: s.c, colorscale: colorscale(c), cmin: c.min, cmax: c.max, showscale: true, colorbar: colorbar(c), size: is3d ? 3 : 6 };
        if (is3d) t.line = { width: 4, color: s.c, colorscale: colorscale(c), cmin: c.min, cmax: c.max };
        else if (mode.includes("lines")) t.line = { color: "#bbb", width: 1 };
      }
      out.push(t);
    }
    return out;
  }

  // epochPoint marks the point of a path coloured by epoch (a PCA
  // trajectory) that is at opts.epoch, or returns null.
  function epochPoint(spec, epoch) {
    if (epoch == null || !spec.color || !/^epoch/.test(spec.color.title || "")) return null;
    for (const s of spec.series || []) {
      const i = s.c ? s.c.indexOf(epoch) : -1;
      if (i < 0) continue;
      const t = { type: spec.kind === "scatter3d" ? "scatter3d" : "scatter", mode: "markers", name: "epoch " + epoch, showlegend: false,
        x: [s.x[i]], y: [s.y[i]], marker: { color: "#d62728", size: spec.kind === "scatter3d" ? 7 : 11, line: { color: "#fff", width: 1 } },
        hovertemplate: "epoch " + epoch + "<extra></extra>" };
      if (s.z) t.z = [s.z[i]];
      return t;
    }
    return null;
  }

  // markerShapes draws the spec's vertical markers (and opts.epoch's, which
  // replaces the spec's own epoch marker) as shapes and labels.
  function markerShapes(spec, opts) {
    const shapes = [], notes = [];
    let ms = spec.markers || [];
    // Only a picture whose x axis is the epoch takes the marker.
    if (opts.epoch != null && opts.epoch >= 0 && /^epoch\b/.test(spec.x.title || "")) {
      ms = ms.filter(m => m.kind !== "epoch").concat([{ kind: "epoch", x: opts.epoch, label: "epoch " + opts.epoch, color: "#d62728" }]);
    }
    for (const m of ms) {
      const base = { type: "line", xref: "x", yref: "paper", x0: m.x, x1: m.x, y0: 0, y1: 1 };
      switch (m.kind) {
        case "window":
          shapes.push({ type: "rect", xref: "x", yref: "paper", x0: m.x, x1: m.x2, y0: 0, y1: 1, fillcolor: m.color || "#ddd", opacity: 0.3, line: { width: 0 }, layer: "below" });
          if (m.label) notes.push({ x: (m.x + m.x2) / 2, y: 1, xref: "x", yref: "paper", yanchor: "bottom", text: m.label, showarrow: false, font: { size: 9, color: "#555" } });
          break;
        case "checkpoint":
          shapes.push(Object.assign(base, { line: { color: m.color || "#ccc", width: 0.5 }, layer: "below", y1: 0.03 }));
          break;
        case "epoch":
          shapes.push(Object.assign(base, { line: { color: m.color || "#d62728", width: 1.5 }, name: "epoch" }));
          break;
        default:
          shapes.push(Object.assign(base, { line: { color: m.color || "#2ca02c", width: 1.2, dash: "dash" } }));
          if (m.label) notes.push({ x: m.x, y: 0.98, xref: "x", yref: "paper", xanchor: "left", yanchor: "top", text: " " + m.label, showarrow: false, font: { size: 10, color: m.color || "#2ca02c" } });
      }
    }
    return [shapes, notes];
  }

  function layout(spec, opts, div) {
    const height = opts.height || div.clientHeight || 360;
    const l = {
      font: FONT, height, autosize: true, paper_bgcolor: "#fff", plot_bgcolor: "#fff",
      margin: { l: 60, r: 20, t: opts.noTitle ? 28 : spec.subtitle ? 48 : 34, b: 48 },
      title: opts.noTitle ? { text: "" } : { text: spec.title + (spec.subtitle ? `<br><span style="font-size:10px;color:#666">${spec.subtitle}</span>` : ""), x: 0.02, xanchor: "left", font: { size: 13 } },
      showlegend: (spec.series || []).length > 1, legend: { orientation: "h", y: -0.22, x: 0, font: { size: 11 } },
      hovermode: spec.kind === "heatmap" ? "closest" : (spec.kind === "lines" ? "x unified" : "closest"),
      uirevision: spec.name + "|" + (spec.as || ""),
    };
    if (spec.kind === "scatter3d") {
      l.scene = { xaxis: axis(spec.x), yaxis: axis(spec.y), zaxis: axis(spec.z || { title: "" }), aspectmode: "cube" };
      for (const k of ["xaxis", "yaxis", "zaxis"]) { delete l.scene[k].automargin; l.scene[k].title = { text: l.scene[k].title.text }; }
      l.margin = { l: 0, r: 0, t: l.margin.t, b: 0 };
      return l;
    }
    l.xaxis = axis(spec.x);
    l.yaxis = axis(spec.y);
    if (spec.kind === "heatmap") { l.xaxis.showgrid = false; l.yaxis.showgrid = false; l.xaxis.ticks = "outside"; }
    if (spec.square) {
      l.yaxis.scaleanchor = "x"; l.yaxis.scaleratio = 1; l.yaxis.constrain = "domain"; l.xaxis.constrain = "domain";
    }
    if (l.showlegend) l.margin.b = 70;
    const [shapes, notes] = markerShapes(spec, opts);
    l.shapes = shapes; l.annotations = notes;
    return l;
  }

  const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
    toImageButtonOptions: { format: "png", scale: 2 } };

  function draw(div, spec, opts) {
    opts = opts || {};
    if (spec.kind === "text" || (!spec.grid && !(spec.series || []).length)) {
      if (div.data && window.Plotly) Plotly.purge(div);
      div.classList.add("text");
      div.textContent = spec.text || "nothing to draw";
      return Promise.resolve(div);
    }
    if (div.classList.contains("text")) { div.classList.remove("text"); div.textContent = ""; }
    div.tdwSpec = spec;
    const ts = traces(spec), mark = epochPoint(spec, opts.epoch);
    if (mark) ts.push(mark);
    // moveEpoch restyles this trace alone: redrawing a 3-D path for a
    // moved point costs a whole WebGL scene.
    div.tdwMark = mark ? ts.length - 1 : null;
    const p = Plotly.react(div, ts, layout(spec, opts, div), CONFIG);
    return p.then(d => {
      if (!d.tdwClick) {
        d.tdwClick = true;
        d.on("plotly_click", ev => {
          const o = d.tdwOpts || {}, s = d.tdwSpec, pt = ev.points && ev.points[0];
          if (!pt || !s) return;
          if (s.kind === "heatmap" && o.onCell && s.grid) {
            const col = s.grid.x.indexOf(pt.x), row = s.grid.y.indexOf(pt.y);
            o.onCell({ row, col, x: pt.x, y: pt.y, colIndex: s.grid.col_index ? s.grid.col_index[col] : col, rowIndex: s.grid.row_index ? s.grid.row_index[row] : row });
          } else if (o.onX) o.onX(pt.x);
        });
      }
      d.tdwOpts = opts;
      return d;
    });
  }

  // moveEpoch moves the epoch marker of a drawn picture over epochs
  // without redrawing its data.
  function moveEpoch(div, epoch) {
    if (!div.tdwSpec || !div.layout) return Promise.resolve(div);
    const mark = epochPoint(div.tdwSpec, epoch);
    if (mark && div.tdwMark != null && div.data && div.data.length > div.tdwMark) {
      div.tdwOpts = Object.assign({}, div.tdwOpts, { epoch });
      const upd = { x: [mark.x], y: [mark.y], name: mark.name, hovertemplate: mark.hovertemplate };
      if (mark.z) upd.z = [mark.z];
      return Plotly.restyle(div, upd, [div.tdwMark]);
    }
    if (mark) return draw(div, div.tdwSpec, Object.assign({}, div.tdwOpts, { epoch }));
    // A picture whose x is not the epoch has no epoch mark to move: a
    // relayout would redraw it for nothing.
    if (!/^epoch\b/.test(div.tdwSpec.x.title || "")) return Promise.resolve(div);
    const [shapes, notes] = markerShapes(div.tdwSpec, Object.assign({}, div.tdwOpts, { epoch }));
    div.tdwOpts = Object.assign({}, div.tdwOpts, { epoch });
    return Plotly.relayout(div, { shapes, annotations: notes });
  }

  return { draw, moveEpoch, formatTick };
})();
