// Image widgets: boxes, polygons, keypoints, and image–text alignment, on one zoomable stage.
// Geometry is kept in pixels of the original image (naturalWidth/Height), as the schema asks.
import { createImageAnnotator } from "/static/vendor/@annotorious/annotorious/annotorious.es.js";
import { scale } from "./choices.js";
import { KEY, fromAnnotation, toAnnotation, toPixels } from "./shapes.js";
import { textView } from "./text.js";
import { clone, h, labelColor, loadable, newId, round, svg, t } from "./util.js";

// Annotorious' bundled state library reads process.env.NODE_ENV, as it would under a bundler.
globalThis.process ??= { env: { NODE_ENV: "production" } };

// A zoom/pan stage: wheel zooms at the cursor, drag with the middle button, Shift or Space pans,
// +/−/0 keys when the stage has focus. toImage() maps a pointer to original-image pixels.
export function imageStage(url, { onReady } = {}) {
  const img = h("img", { alt: t("Task image"), draggable: "false" });
  const layer = svg("svg", { class: "overlay" });
  const canvas = h("div.canvas", {}, img, layer);
  const el = h("div.stage", { tabindex: "0", "aria-label": t("Image; +/− zoom, 0 fit, Shift+drag pans") }, canvas);
  const zoomOut = h("button", { type: "button", "aria-label": t("Zoom out"), onclick: () => zoomBy(1 / 1.25) }, "−");
  const zoomIn = h("button", { type: "button", "aria-label": t("Zoom in"), onclick: () => zoomBy(1.25) }, "+");
  const fitBtn = h("button", { type: "button", onclick: () => fit() }, t("Fit"));
  const tools = h("span.zoom", {}, zoomOut, zoomIn, fitBtn);
  const view = { z: 1, x: 0, y: 0, nw: 0, nh: 0 };
  let space = false;

  const apply = () => { canvas.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.z})`; };
  function fit() {
    if (!view.nw) return;
    const w = el.clientWidth || 800;
    view.z = Math.min(w / view.nw, 560 / view.nh, 1.5);
    el.style.height = `${Math.round(view.nh * view.z)}px`;
    view.x = (w - view.nw * view.z) / 2;
    view.y = 0;
    apply();
  }
  function zoomBy(f, cx, cy) {
    const r = el.getBoundingClientRect();
    const px = cx ?? r.width / 2;
    const py = cy ?? r.height / 2;
    const z = Math.min(20, Math.max(0.05, view.z * f));
    view.x = px - ((px - view.x) * z) / view.z;
    view.y = py - ((py - view.y) * z) / view.z;
    view.z = z;
    apply();
  }
  el.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = el.getBoundingClientRect();
    zoomBy(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  el.addEventListener("keydown", (e) => {
    if (e.key === "+" || e.key === "=") zoomBy(1.25);
    else if (e.key === "-") zoomBy(1 / 1.25);
    else if (e.key === "0") fit();
    else if (e.key === " ") space = true;
    else return;
    e.preventDefault();
    e.stopPropagation();
  });
  el.addEventListener("keyup", (e) => { if (e.key === " ") space = false; });
  // Panning claims the pointer before any drawing tool sees it.
  el.addEventListener("pointerdown", (e) => {
    if (!(e.button === 1 || e.shiftKey || space)) return;
    e.preventDefault();
    e.stopPropagation();
    const start = { x: e.clientX - view.x, y: e.clientY - view.y };
    const moveH = (ev) => { view.x = ev.clientX - start.x; view.y = ev.clientY - start.y; apply(); };
    const up = () => { window.removeEventListener("pointermove", moveH); window.removeEventListener("pointerup", up); };
    window.addEventListener("pointermove", moveH);
    window.addEventListener("pointerup", up);
  }, true);

  img.addEventListener("load", () => {
    view.nw = img.naturalWidth;
    view.nh = img.naturalHeight;
    canvas.style.width = `${view.nw}px`;
    canvas.style.height = `${view.nh}px`;
    layer.setAttribute("viewBox", `0 0 ${view.nw} ${view.nh}`);
    layer.setAttribute("width", view.nw);
    layer.setAttribute("height", view.nh);
    requestAnimationFrame(() => { fit(); onReady?.(view.nw, view.nh); });
  });
  const ok = loadable(url);
  if (ok) img.src = url;
  const note = ok ? null : h("p.note", {}, t("This image cannot be shown here: %(url)s", { url: String(url) }));
  return {
    el: h("div.stagebox", {}, tools, el, note),
    stage: el,
    img,
    layer,
    size: () => [view.nw, view.nh],
    scale: () => view.z,
    toImage(e) {
      const r = layer.getBoundingClientRect();
      const x = ((e.clientX - r.left) / r.width) * view.nw;
      const y = ((e.clientY - r.top) / r.height) * view.nh;
      return [Math.min(view.nw, Math.max(0, x)), Math.min(view.nh, Math.max(0, y))];
    },
  };
}

// Boxes and polygons are drawn and edited with Annotorious; keypoints with our own layer. Every
// control on the same image field shares one stage (one board): picking a label of a control makes
// it the active one, and the board's tool follows (rectangle, polygon, or point placing).
const TOOL = { bbox: "rectangle", polygon: "polygon" };
const boards = new WeakMap(); // editor -> Map(field -> board)

function boardFor(ctx, field) {
  const owner = ctx.editor || ctx;
  let byField = boards.get(owner);
  if (!byField) boards.set(owner, (byField = new Map()));
  if (byField.has(field)) return [byField.get(field), false];
  const board = makeBoard(ctx.data?.[field], ctx.readOnly);
  byField.set(field, board);
  return [board, true];
}

function makeBoard(url, readOnly) {
  const members = [];
  const meta = new Map(); // Annotorious id -> { w: owning widget, rid: our region id, label }
  let anno = null;
  let selected = null; // Annotorious id of the selected shape
  let fresh = null; // the shape just drawn (selected, but not chosen by the annotator)
  const b = {
    members,
    meta,
    active: null,
    readOnly,
    get anno() { return anno; },
    get selected() { return selected; },
    chosen: false,
    stage: imageStage(url, { onReady: () => { ensure(); for (const w of members) w.ready(); } }),
    activate(w) {
      b.active = w;
      b.stage.stage.dataset.mode = w.kind;
      for (const m of members) m.el.classList.toggle("active", m === w);
      if (!anno || readOnly) return;
      // A shape open in Annotorious' editor takes the next click: close it when another control takes over.
      const open = anno.getSelected()[0];
      if (open && meta.get(open.id)?.w !== w) anno.cancelSelected();
      if (TOOL[w.kind]) {
        anno.setDrawingTool(TOOL[w.kind]);
        // Boxes: press, drag, release. Polygons: a click per corner (in drag mode a plain first click is dropped).
        anno.setDrawingMode(w.kind === "polygon" ? "click" : "drag");
        anno.setDrawingEnabled(true);
      } else {
        anno.cancelDrawing();
        anno.setDrawingEnabled(false);
      }
    },
    // Our regions (pixels) of widget w, in drawing order.
    regionsOf(w) {
      if (!anno) return [];
      return anno.getAnnotations().filter((a) => meta.get(a.id)?.w === w)
        .map((a) => fromAnnotation(a, meta.get(a.id).rid, meta.get(a.id).label));
    },
    // Replace widget w's shapes (a load, an undo) and keep the other widgets' shapes.
    replace(w, regions) {
      if (!anno) return;
      for (const [id, m] of meta) if (m.w === w) meta.delete(id);
      const keep = anno.getAnnotations().filter((a) => meta.has(a.id));
      const mine = regions.map((r) => {
        const aid = `${w.name}/${r.id}`;
        meta.set(aid, { w, rid: r.id, label: r.label });
        return toAnnotation(w.kind, aid, r);
      });
      if (selected && !meta.has(selected)) selected = null;
      anno.setAnnotations([...keep, ...mine], true);
      restyle();
    },
    select(aid) {
      if (!anno) return;
      anno.setSelected(aid);
      selected = aid;
      b.chosen = true;
      b.activate(meta.get(aid).w);
      for (const m of members) m.paint();
    },
    relabel(aid, label) {
      const m = meta.get(aid);
      if (!m || m.label === label) return false;
      m.label = label;
      restyle();
      return true;
    },
    remove(aid) {
      if (!anno) return;
      const w = meta.get(aid)?.w;
      anno.removeAnnotation(aid); // fires deleteAnnotation
      meta.delete(aid);
      if (selected === aid) selected = null;
      w?.paint();
      w?.changed();
    },
    // A polygon corner picked in the editor: Delete removes that corner (Annotorious), not the shape.
    editingCorner: () => Boolean(b.stage.stage.querySelector(".a9s-handle-dot.selected")),
    destroy() {
      window.removeEventListener("pointerup", settle);
      anno?.destroy(); // also drops its own document-wide undo keys
      anno = null;
    },
  };

  function style(a, state) {
    const m = meta.get(a.id);
    const color = m ? labelColor(m.w.labels, m.label) : "#ffffff";
    const on = state?.selected || a.id === selected;
    return { stroke: color, strokeWidth: on ? 3 : 2, fill: color, fillOpacity: on ? 0.3 : 0.15 };
  }
  // A new function makes Annotorious draw every shape again with the current labels.
  const restyle = () => anno?.setStyle((a, s) => style(a, s));

  // Edits (a move, a resize, a moved corner) reach the widgets when the pointer is released.
  function settle() {
    if (!anno) return;
    for (const m of members) if (m.shapes) { m.paint(); m.changed(); }
  }

  function ensure() {
    if (anno || !members.some((m) => m.shapes)) return;
    anno = createImageAnnotator(b.stage.img, {
      drawingEnabled: false,
      userSelectAction: readOnly ? "NONE" : "EDIT",
      style: (a, s) => style(a, s),
    });
    anno.on("createAnnotation", (a) => {
      const w = b.active;
      if (!w?.shapes) { anno.removeAnnotation(a.id); return; }
      meta.set(a.id, { w, rid: newId(w.kind === "bbox" ? "b" : "p"), label: w.label() });
      fresh = a.id;
      // Drawing goes on at once: the new shape is not left open in Annotorious' editor (the next
      // click would only close it), but it stays selected here, so Delete removes it; it is not
      // "chosen", so picking the label for the next shape does not relabel it.
      setTimeout(() => {
        if (!anno) return;
        if (anno.getSelected()[0]?.id === a.id) anno.cancelSelected();
        fresh = null;
        if (meta.has(a.id)) { selected = a.id; b.chosen = false; }
        restyle();
        for (const m of members) m.paint();
      });
      restyle();
      w.paint();
      w.changed();
    });
    anno.on("deleteAnnotation", (a) => {
      const m = meta.get(a.id);
      meta.delete(a.id);
      if (selected === a.id) selected = null;
      m?.w.paint();
      m?.w.changed();
    });
    anno.on("updateAnnotation", (a) => { const w = meta.get(a.id)?.w; w?.paint(); w?.changed(); });
    anno.on("selectionChanged", (sel) => {
      const aid = sel?.[0]?.id ?? null;
      if (aid && aid === fresh) return; // selected by Annotorious after drawing; see createAnnotation
      selected = aid && meta.has(aid) ? aid : null;
      b.chosen = Boolean(selected);
      if (selected && b.active !== meta.get(selected).w) b.activate(meta.get(selected).w);
      restyle();
      for (const m of members) m.paint();
    });
    window.addEventListener("pointerup", settle);
    if (b.active) b.activate(b.active);
  }
  b.ensure = ensure;
  return b;
}

export function regionsWidget(ctx, kind) {
  const { control, data, changed, readOnly } = ctx;
  const labels = control.labels;
  const [board, first] = boardFor(ctx, control.to);
  const stage = board.stage;
  const shapes = Boolean(TOOL[kind]);
  let pendingValue = null;
  let label = labels[0];
  // keypoints only (shapes live in Annotorious)
  let points = [];
  let selectedPoint = null;
  let chosenPoint = false;
  const group = shapes ? null : svg("g", { class: "points", "data-control": control.name });
  if (group) stage.layer.append(group);

  const picker = h("div.labelbar", { role: "radiogroup", "aria-label": t("Label") }, ...labels.map((l, i) =>
    h("button.label", { type: "button", role: "radio", "data-label": l, style: { "--mark": labelColor(labels, l) }, onclick: () => pick(l) },
      i < 9 ? h("kbd", {}, String(i + 1)) : null, l)));
  const hint = { bbox: t("Drag to draw a box."), polygon: t("Click to add points; a click on the first point or a double click closes, Esc cancels."),
    keypoints: t("Click to place a point.") }[kind];
  const list = h("ul.regionlist", { "aria-label": t("Regions") });
  const el = h("div.widget.regions", { "data-kind": kind }, readOnly ? null : picker, readOnly ? null : h("p.hint", {}, hint),
    first ? stage.el : null, list);

  const w = {
    name: control.name,
    kind,
    labels,
    shapes,
    el,
    label: () => label,
    changed,
    ready() {
      if (pendingValue) { load(pendingValue); pendingValue = null; }
      w.paint();
    },
    paint,
  };
  board.members.push(w);

  const mine = (aid) => aid && board.meta.get(aid)?.w === w;
  function pick(l, activate = true) {
    label = l;
    if (activate) board.activate(w);
    if (shapes && board.chosen && mine(board.selected) && board.relabel(board.selected, l)) changed();
    if (!shapes && selectedPoint && chosenPoint) {
      const r = points.find((x) => x.id === selectedPoint);
      if (r && r.label !== l) { r.label = l; changed(); }
    }
    for (const b of picker.children) b.setAttribute("aria-checked", String(b.dataset.label === label));
    paint();
  }

  function regions() { return shapes ? board.regionsOf(w) : points; }
  const stroke = () => 2 / (stage.scale() || 1);

  function paint() {
    if (group) {
      group.replaceChildren(...points.map((r) => {
        const color = labelColor(labels, r.label);
        return svg("circle", { "data-id": r.id, class: `region${r.id === selectedPoint ? " selected" : ""}`, cx: r.x, cy: r.y, r: 5 * stroke(),
          stroke: color, "stroke-width": stroke(), fill: color, "fill-opacity": 0.8 });
      }));
    }
    const focus = shapes ? mine(board.selected) && board.meta.get(board.selected).rid : selectedPoint;
    list.replaceChildren(...regions().map((r, i) => h("li", { "data-id": r.id, class: r.id === focus ? "focus" : null,
      style: { "--mark": labelColor(labels, r.label) } },
    h("button.linkish", { type: "button", onclick: () => select(r) }, `${i + 1}. ${r.label}`),
    h("small", {}, ` ${describe(r)} `),
    readOnly ? null : h("button.del", { type: "button", "aria-label": t("Delete region %(n)s", { n: i + 1 }), onclick: () => remove(r) }, "×"))));
    function select(r) {
      if (!shapes) { selectedPoint = r.id; chosenPoint = true; board.activate(w); paint(); return; }
      const aid = [...board.meta].find(([, m]) => m.w === w && m.rid === r.id)?.[0];
      if (aid) board.select(aid);
    }
    function remove(r) {
      if (!shapes) { removePoint(r.id); return; }
      const aid = [...board.meta].find(([, m]) => m.w === w && m.rid === r.id)?.[0];
      if (aid) board.remove(aid);
    }
  }
  const describe = (r) => (kind === "bbox" ? `${round(r.x, 0)},${round(r.y, 0)} ${round(r.width, 0)}×${round(r.height, 0)}`
    : kind === "polygon" ? t("%(n)s points", { n: r.points.length }) : `${round(r.x, 0)},${round(r.y, 0)}`);
  function removePoint(id) {
    points = points.filter((r) => r.id !== id);
    if (selectedPoint === id) selectedPoint = null;
    paint();
    changed();
  }
  function load(v) {
    const regs = v ? toPixels(kind, v, ...stage.size()) : [];
    if (shapes) board.replace(w, regs.map((r) => ({ ...r, rotation: r.rotation || 0 })));
    else { points = regs; selectedPoint = null; }
  }

  if (!readOnly && !shapes) {
    stage.stage.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || !stage.size()[0] || board.active !== w) return;
      const id = e.target.closest?.(`g[data-control="${CSS.escape(control.name)}"] [data-id]`)?.dataset.id;
      if (id) { selectedPoint = id; chosenPoint = true; paint(); return; }
      const [x, y] = stage.toImage(e);
      const r = { id: newId("k"), x: round(x), y: round(y), label };
      points.push(r);
      selectedPoint = r.id;
      chosenPoint = false;
      paint();
      changed();
    });
  }

  if (!board.active) board.activate(w);
  if (stage.size()[0]) { board.ensure(); w.ready(); }
  pick(label, false);
  return {
    el,
    get() {
      const [nw, nh] = stage.size();
      if (!nw || (shapes && !board.anno)) return pendingValue ? clone(pendingValue) : null; // image not loaded: keep what was given
      return { [KEY[kind]]: clone(regions()), image_width: nw, image_height: nh };
    },
    set(v) {
      if (!stage.size()[0] || (shapes && !board.anno)) { pendingValue = v ? clone(v) : null; if (!shapes) points = []; return; }
      load(v);
      paint();
    },
    key(e) {
      if (readOnly) return false;
      const active = document.activeElement;
      const mineKeys = board.active === w || (el.contains(active) && !stage.el.contains(active));
      if (/^[1-9]$/.test(e.key) && labels[Number(e.key) - 1] !== undefined && mineKeys) { pick(labels[Number(e.key) - 1]); return true; }
      if (e.key === "Delete" || e.key === "Backspace") {
        if (shapes && mine(board.selected) && !board.editingCorner()) { board.remove(board.selected); return true; }
        if (!shapes && selectedPoint && board.active === w) { removePoint(selectedPoint); return true; }
        return false;
      }
      if (e.key === "Escape" && shapes && board.active === w && board.anno) { board.anno.cancelDrawing(); board.anno.cancelSelected(); return true; }
      return false;
    },
    destroy() { if (first) board.destroy(); },
  };
}

export function alignmentWidget({ control, data, changed, readOnly }) {
  const [smin, smax] = control.score_scale || [1, 5];
  const text = typeof data?.[control.text] === "string" ? data[control.text] : "";
  let links = [];
  let phrase = null;
  let region = null;
  let pendingValue = null;
  const stage = imageStage(data?.[control.image], { onReady: () => { if (pendingValue) { load(pendingValue); pendingValue = null; } paint(); } });
  const view = textView(text, { onSelect: (a, b) => { phrase = { start: a, end: b, text: view.slice(a, b) }; paint(); } });
  const score = scale(smin, smax, t("Alignment score"), () => changed(), readOnly);
  const linkBtn = h("button", { type: "button", onclick: link }, t("Link phrase to region"));
  const status = h("output");
  const list = h("ul.regionlist", { "aria-label": t("Links") });
  const el = h("div.widget.alignment", {}, h("div.legend", {}, control.title || control.name),
    h("div.row", {}, h("span", {}, t("Alignment score")), score.el),
    readOnly ? null : h("p.hint", {}, t("Select a phrase, drag a region on the image, then link them.")),
    view.el, stage.el, readOnly ? null : h("div.row", {}, status, linkBtn), list);

  function load(v) {
    links = clone(v?.links || []);
    if (v?.unit === "percent") {
      const [nw, nh] = stage.size();
      for (const l of links) Object.assign(l.region, { x: (l.region.x * nw) / 100, y: (l.region.y * nh) / 100, width: (l.region.width * nw) / 100, height: (l.region.height * nh) / 100 });
    }
  }
  function link() {
    if (!phrase || !region) return;
    links.push({ phrase, region });
    phrase = region = null;
    paint();
    changed();
  }
  function paint() {
    const s = 2 / (stage.scale() || 1);
    stage.layer.replaceChildren(...links.map((l) => svg("rect", { ...l.region, class: "region", stroke: "#1d5fd1", "stroke-width": s, fill: "#1d5fd1", "fill-opacity": 0.12 })));
    if (region) stage.layer.append(svg("rect", { ...region, class: "region pending", stroke: "#c2410c", "stroke-width": s, fill: "none", "stroke-dasharray": "4" }));
    view.render([...links.map((l, i) => ({ id: `l${i}`, ...l.phrase, color: "#1d5fd1" })), ...(phrase ? [{ id: "p", ...phrase, color: "#c2410c" }] : [])]);
    status.textContent = `${phrase ? phrase.text : "—"} ↔ ${region ? `${round(region.width, 0)}×${round(region.height, 0)}` : "—"}`;
    linkBtn.disabled = !(phrase && region);
    list.replaceChildren(...links.map((l) => h("li", {}, `${l.phrase.text} ↔ ${round(l.region.x, 0)},${round(l.region.y, 0)} ${round(l.region.width, 0)}×${round(l.region.height, 0)} `,
      readOnly ? null : h("button.del", { type: "button", "aria-label": t("Delete"), onclick: () => { links = links.filter((x) => x !== l); paint(); changed(); } }, "×"))));
  }
  if (!readOnly) {
    stage.stage.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || !stage.size()[0]) return;
      e.preventDefault();
      const [x, y] = stage.toImage(e);
      const onMove = (ev) => {
        const [mx, my] = stage.toImage(ev);
        region = { x: round(Math.min(x, mx)), y: round(Math.min(y, my)), width: round(Math.abs(mx - x)), height: round(Math.abs(my - y)) };
        paint();
      };
      const onUp = () => { window.removeEventListener("pointermove", onMove); window.removeEventListener("pointerup", onUp); if (region && (region.width < 3 || region.height < 3)) region = null; paint(); };
      window.addEventListener("pointermove", onMove);
      window.addEventListener("pointerup", onUp);
    });
  }
  paint();
  return {
    el,
    get() {
      const [nw, nh] = stage.size();
      // Image not loaded (yet, or at all): keep the links given, as the region widgets do.
      if (!nw && pendingValue) return { ...clone(pendingValue), score: score.get() };
      const v = { score: score.get(), links: clone(links) };
      if (nw) Object.assign(v, { image_width: nw, image_height: nh });
      else if (links.length) v.unit = "percent"; // cannot happen from drawing; keeps imported values valid
      return v;
    },
    complete: () => score.get() !== null,
    set(v) {
      score.set(v?.score ?? null);
      if (!stage.size()[0]) { pendingValue = v; links = []; return; }
      load(v);
      paint();
    },
    key(e) {
      if (readOnly || !/^[0-9]$/.test(e.key)) return false;
      const n = Number(e.key);
      if (n < smin || n > smax) return false;
      score.set(n);
      changed();
      return true;
    },
  };
}
