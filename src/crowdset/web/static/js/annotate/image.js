// Image widgets: boxes, polygons, keypoints, and image–text alignment, on one zoomable stage.
// Geometry is kept in pixels of the original image (naturalWidth/Height), as the schema asks.
import { scale } from "./choices.js";
import { textView } from "./text.js";
import { clone, h, labelColor, loadable, newId, round, svg, t } from "./util.js";

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

const KEY = { bbox: "boxes", polygon: "polygons", keypoints: "keypoints" };

// Drop percent geometry (Label Studio predictions) into pixels once the image size is known.
function toPixels(kind, value, nw, nh) {
  const regions = clone(value?.[KEY[kind]] || []);
  if (value?.unit !== "percent") return regions;
  const sx = nw / 100;
  const sy = nh / 100;
  for (const r of regions) {
    if (kind === "polygon") r.points = r.points.map(([x, y]) => [x * sx, y * sy]);
    else { r.x *= sx; r.y *= sy; }
    if (kind === "bbox") { r.width *= sx; r.height *= sy; }
  }
  return regions;
}

export function regionsWidget({ control, data, changed, readOnly }, kind) {
  const labels = control.labels;
  let regions = [];
  let pendingValue = null;
  let selected = null;
  // A label pick relabels the selected region only when the annotator chose that region (a click on
  // it or in the list); a region just drawn is selected too (Delete removes it), but picking the
  // label for the next one must not relabel it.
  let chosen = false;
  let label = labels[0];
  let drawing = null; // polygon in progress: [[x, y], ...]
  const stage = imageStage(data?.[control.to], {
    onReady: () => { if (pendingValue) { regions = toPixels(kind, pendingValue, ...stage.size()); pendingValue = null; } paint(); },
  });
  const picker = h("div.labelbar", { role: "radiogroup", "aria-label": t("Label") }, ...labels.map((l, i) =>
    h("button.label", { type: "button", role: "radio", "data-label": l, style: { "--mark": labelColor(labels, l) }, onclick: () => pick(l) },
      i < 9 ? h("kbd", {}, String(i + 1)) : null, l)));
  const hint = { bbox: t("Drag to draw a box."), polygon: t("Click to add points; Enter or a click on the first point closes, Esc cancels."),
    keypoints: t("Click to place a point.") }[kind];
  const list = h("ul.regionlist", { "aria-label": t("Regions") });
  const el = h("div.widget.regions", { "data-kind": kind }, readOnly ? null : picker, readOnly ? null : h("p.hint", {}, hint), stage.el, list);

  function pick(l) {
    label = l;
    if (selected && chosen) { const r = regions.find((x) => x.id === selected); if (r && r.label !== l) { r.label = l; changed(); } }
    for (const b of picker.children) b.setAttribute("aria-checked", String(b.dataset.label === label));
    paint();
  }
  const stroke = () => 2 / (stage.scale() || 1);

  function paint() {
    const layer = stage.layer;
    layer.replaceChildren();
    for (const r of regions) {
      const color = labelColor(labels, r.label);
      const common = { "data-id": r.id, class: `region${r.id === selected ? " selected" : ""}`, stroke: color, "stroke-width": stroke(), fill: color, "fill-opacity": 0.15 };
      let shape;
      if (kind === "bbox") shape = svg("rect", { ...common, x: r.x, y: r.y, width: r.width, height: r.height });
      else if (kind === "polygon") shape = svg("polygon", { ...common, points: r.points.map((p) => p.join(",")).join(" ") });
      else shape = svg("circle", { ...common, cx: r.x, cy: r.y, r: 5 * stroke(), "fill-opacity": 0.8 });
      layer.append(shape);
      if (kind === "bbox" && r.id === selected && !readOnly) {
        layer.append(svg("rect", { class: "handle", "data-handle": r.id, x: r.x + r.width - 4 * stroke(), y: r.y + r.height - 4 * stroke(),
          width: 8 * stroke(), height: 8 * stroke(), fill: "#fff", stroke: color, "stroke-width": stroke() }));
      }
    }
    if (drawing?.length) {
      layer.append(svg("polyline", { points: drawing.map((p) => p.join(",")).join(" "), fill: "none", stroke: labelColor(labels, label), "stroke-width": stroke(), "stroke-dasharray": "4" }));
      layer.append(svg("circle", { cx: drawing[0][0], cy: drawing[0][1], r: 5 * stroke(), class: "closer", fill: "#fff", stroke: "#000", "stroke-width": stroke() }));
    }
    list.replaceChildren(...regions.map((r, i) => h("li", { "data-id": r.id, class: r.id === selected ? "focus" : null, style: { "--mark": labelColor(labels, r.label) } },
      h("button.linkish", { type: "button", onclick: () => { select(r.id); } }, `${i + 1}. ${r.label}`),
      h("small", {}, ` ${describe(r)} `),
      readOnly ? null : h("button.del", { type: "button", "aria-label": t("Delete region %(n)s", { n: i + 1 }), onclick: () => remove(r.id) }, "×"))));
  }
  const describe = (r) => (kind === "bbox" ? `${round(r.x, 0)},${round(r.y, 0)} ${round(r.width, 0)}×${round(r.height, 0)}`
    : kind === "polygon" ? t("%(n)s points", { n: r.points.length }) : `${round(r.x, 0)},${round(r.y, 0)}`);
  function select(id) {
    selected = id;
    chosen = true;
    paint();
  }
  function remove(id) {
    regions = regions.filter((r) => r.id !== id);
    if (selected === id) selected = null;
    paint();
    changed();
  }
  function closePolygon() {
    if (drawing && drawing.length >= 3) {
      const r = { id: newId("p"), points: drawing.map(([x, y]) => [round(x), round(y)]), label };
      regions.push(r);
      selected = r.id;
      chosen = false;
      changed();
    }
    drawing = null;
    paint();
  }

  if (!readOnly) {
    stage.stage.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || !stage.size()[0]) return;
      const [x, y] = stage.toImage(e);
      const id = e.target.dataset?.id;
      const handle = e.target.dataset?.handle;
      if (kind === "polygon") {
        if (drawing?.length >= 3 && e.target.classList.contains("closer")) return closePolygon();
        if (!drawing && id) return select(id);
        drawing = [...(drawing || []), [x, y]];
        return paint();
      }
      if (kind === "keypoints") {
        if (id) return select(id);
        const r = { id: newId("k"), x: round(x), y: round(y), label };
        regions.push(r);
        selected = r.id;
        chosen = false;
        paint();
        return changed();
      }
      // bbox: drag on empty space draws, on a box moves it, on the handle resizes it.
      e.preventDefault();
      stage.stage.setPointerCapture?.(e.pointerId);
      const target = regions.find((r) => r.id === (handle || id));
      const origin = target ? { ...target } : null;
      let box = null;
      if (!target) { box = { id: newId("b"), x, y, width: 0, height: 0, label, rotation: 0 }; }
      else { selected = target.id; chosen = true; }
      const onMove = (ev) => {
        const [mx, my] = stage.toImage(ev);
        if (box) {
          Object.assign(box, { x: Math.min(x, mx), y: Math.min(y, my), width: Math.abs(mx - x), height: Math.abs(my - y) });
          if (!regions.includes(box)) regions.push(box);
        } else if (handle) {
          target.width = Math.max(1, origin.width + mx - x);
          target.height = Math.max(1, origin.height + my - y);
        } else {
          const [nw, nh] = stage.size();
          target.x = Math.min(nw - target.width, Math.max(0, origin.x + mx - x));
          target.y = Math.min(nh - target.height, Math.max(0, origin.y + my - y));
        }
        paint();
      };
      const onUp = () => {
        window.removeEventListener("pointermove", onMove);
        window.removeEventListener("pointerup", onUp);
        if (box) {
          if (box.width < 3 || box.height < 3) regions = regions.filter((r) => r !== box);
          else { selected = box.id; chosen = false; }
        }
        for (const r of regions) for (const k of ["x", "y", "width", "height"]) r[k] = round(r[k]);
        paint();
        if (box ? regions.includes(box) : target && JSON.stringify(origin) !== JSON.stringify(target)) changed();
      };
      window.addEventListener("pointermove", onMove);
      window.addEventListener("pointerup", onUp);
    });
    stage.stage.addEventListener("dblclick", () => kind === "polygon" && closePolygon());
  }

  pick(label);
  return {
    el,
    get() {
      const [nw, nh] = stage.size();
      if (!nw) return pendingValue ? clone(pendingValue) : null; // image not loaded: keep what was given
      return { [KEY[kind]]: clone(regions), image_width: nw, image_height: nh };
    },
    set(v) {
      if (!stage.size()[0]) { pendingValue = v ? clone(v) : null; regions = []; return; }
      regions = v ? toPixels(kind, v, ...stage.size()) : [];
      selected = null;
      paint();
    },
    key(e) {
      if (readOnly) return false;
      if (/^[1-9]$/.test(e.key) && labels[Number(e.key) - 1] !== undefined) { pick(labels[Number(e.key) - 1]); return true; }
      if ((e.key === "Delete" || e.key === "Backspace") && selected) { remove(selected); return true; }
      if (e.key === "Enter" && drawing) { closePolygon(); return true; }
      if (e.key === "Escape" && drawing) { drawing = null; paint(); return true; }
      return false;
    },
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
