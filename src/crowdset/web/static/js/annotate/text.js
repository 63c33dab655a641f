// Text widgets: spans (select to label, with @recogito/text-annotator), relations between spans,
// knowledge-graph triples (our own text view). Offsets are Python code-point indices: selections are
// measured in UTF-16 units and converted, so an emoji before an entity does not shift it.
import { Origin, W3CTextFormat, createTextAnnotator } from "/static/vendor/@recogito/text-annotator/text-annotator.es.js";
import { fromW3C, labelOf, offsetIndex, toW3C } from "./offsets.js";
import { clone, cpLength, cpSlice, h, labelColor, newId, t, u16ToCp } from "./util.js";

// A read-only text with highlighted ranges; reports selections as code-point [start, end).
export function textView(text, { onSelect, onPick } = {}) {
  const el = h("div.textview", { tabindex: "0", role: "document", "aria-label": t("Task text") });
  const cps = Array.from(text);
  const u16At = [0];
  for (const c of cps) u16At.push(u16At[u16At.length - 1] + c.length);

  function render(ranges) {
    // ranges: [{id, start, end, color, label}] in code points; overlapping ranges are allowed.
    el.replaceChildren();
    const cuts = new Set([0, cps.length]);
    for (const r of ranges) {
      cuts.add(r.start);
      cuts.add(r.end);
    }
    const points = [...cuts].filter((p) => p >= 0 && p <= cps.length).sort((a, b) => a - b);
    for (let i = 0; i < points.length - 1; i++) {
      const [a, b] = [points[i], points[i + 1]];
      const seg = h("span.seg", { "data-start": a }, text.slice(u16At[a], u16At[b]));
      const covering = ranges.filter((r) => r.start <= a && r.end >= b);
      if (covering.length) {
        const inner = covering.reduce((x, y) => (y.end - y.start < x.end - x.start ? y : x));
        seg.classList.add("mark");
        seg.style.setProperty("--mark", inner.color);
        seg.dataset.ids = covering.map((r) => r.id).join(" ");
        if (covering.length > 1) seg.classList.add("nested");
        const ending = covering.filter((r) => r.end === b && r.label);
        if (ending.length) seg.dataset.endLabel = ending.map((r) => r.label).join(" · ");
      }
      el.append(seg);
    }
  }

  function offsets() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return null;
    const range = sel.getRangeAt(0);
    if (!el.contains(range.startContainer) || !el.contains(range.endContainer)) return null;
    const pre = document.createRange();
    pre.setStart(el, 0);
    pre.setEnd(range.startContainer, range.startOffset);
    let s16 = pre.toString().length;
    let e16 = s16 + range.toString().length;
    while (s16 < e16 && /\s/.test(text[s16])) s16 += 1; // a double-click often takes a trailing space
    while (e16 > s16 && /\s/.test(text[e16 - 1])) e16 -= 1;
    if (s16 >= e16) return null;
    return [u16ToCp(text, s16), u16ToCp(text, e16)];
  }

  const finish = () => {
    const off = offsets();
    if (off && onSelect) {
      window.getSelection().removeAllRanges();
      onSelect(off[0], off[1]);
    }
  };
  el.addEventListener("mouseup", finish);
  el.addEventListener("keyup", (e) => e.shiftKey && finish());
  el.addEventListener("click", (e) => {
    const seg = e.target.closest?.(".seg.mark");
    if (seg && onPick && window.getSelection().isCollapsed) onPick(seg.dataset.ids.split(" "));
  });
  return { el, render, length: cps.length, slice: (a, b) => cpSlice(text, a, b) };
}

// Keyboard route to a range: type the phrase, Enter takes its next occurrence (code points).
function findBox(text, onFound) {
  const input = h("input", { type: "search", "aria-label": t("Find text to label"), placeholder: t("Find text to label (Enter)") });
  let from = 0;
  input.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || !input.value) return;
    e.preventDefault();
    let at = text.indexOf(input.value, from);
    if (at < 0) at = text.indexOf(input.value);
    if (at < 0) return;
    from = at + input.value.length;
    const start = u16ToCp(text, at);
    onFound(start, start + cpLength(input.value));
  });
  return input;
}

function labelPicker(labels, onPick) {
  const box = h("div.labelbar", { role: "radiogroup", "aria-label": t("Label") });
  let current = labels[0];
  const buttons = labels.map((label, i) =>
    h("button.label", {
      type: "button", role: "radio", "data-label": label, style: { "--mark": labelColor(labels, label) },
      onclick: () => pick(label),
    }, i < 9 ? h("kbd", {}, String(i + 1)) : null, label));
  function pick(label, notify = true) {
    current = label;
    for (const b of buttons) b.setAttribute("aria-checked", String(b.dataset.label === label));
    if (notify) onPick?.(label);
  }
  box.append(...buttons);
  pick(current);
  return { el: box, get: () => current, pick, pickIndex: (i) => labels[i] !== undefined && pick(labels[i]) };
}

function textOf(data, to) {
  const v = data?.[to];
  return typeof v === "string" ? v : v == null ? "" : JSON.stringify(v);
}

// Spans are drawn and selected with @recogito/text-annotator (select text to label it with the current
// label; click a span to select it, then a label button/key relabels it and Delete removes it). Our
// `spans` stay the source of truth: the annotator is re-synced from them after every change, and its
// W3C selectors are converted to code-point offsets in offsets.js.
export function spansWidget({ control, data, changed, readOnly }) {
  const text = textOf(data, control.to);
  const index = offsetIndex(text);
  const source = `task:${control.to}`;
  let spans = [];
  let focusId = null;
  let echo = null; // the span sync() last selected itself; its selection event is not a user action
  const picker = labelPicker(control.labels, (label) => {
    const s = spans.find((x) => x.id === focusId);
    if (s && !readOnly && s.label !== label) { s.label = label; paint(); changed(); }
  });
  const view = h("div.textview.spantext", { tabindex: "0", role: "document", "aria-label": t("Task text") }, text);
  const list = h("ul.regionlist", { "aria-label": t("Spans") });
  const el = h("div.widget.spans", {}, readOnly ? null : picker.el, view,
    readOnly ? null : findBox(text, (a, b) => add(a, b)), list);
  const color = (label) => labelColor(control.labels, label);
  const adapter = W3CTextFormat(source, view);
  const anno = createTextAnnotator(view, {
    adapter,
    annotatingEnabled: !readOnly,
    renderer: "SPANS",
    style: (a, state) => ({ fill: color(labelOf(a)), fillOpacity: state?.selected ? 0.45 : 0.22,
      underlineColor: color(labelOf(a)), underlineThickness: state?.selected ? 3 : 2, underlineOffset: 3 }),
  });
  anno.on("createAnnotation", (a) => {
    const off = readOnly ? null : fromW3C(text, index, a);
    anno.cancelSelected(); // the annotator's own copy goes with the next sync (ours gets our id)
    window.getSelection()?.removeAllRanges(); // the highlight shows the span now
    if (off && !spans.some((s) => s.start === off.start && s.end === off.end && s.label === picker.get())) {
      add(off.start, off.end);
    } else sync();
  });
  view.addEventListener("pointerdown", () => { echo = null; }, true); // what follows a click is the user's
  anno.on("selectionChanged", (selected) => {
    const ids = selected.map((a) => a.id).filter((id) => spans.some((s) => s.id === id));
    const next = ids.length ? ids[ids.length - 1] : null;
    if (next !== null && next === echo) {
      // Our own re-selection in sync(), which may arrive late (after Escape, say): never the user's
      // pick, so it changes neither the focus nor the current label.
      echo = null;
      if (focusId === null) anno.cancelSelected();
      return;
    }
    if (next === focusId) return;
    focusId = next;
    paintList();
    const s = spans.find((x) => x.id === focusId);
    if (s) picker.pick(s.label, false);
  });

  function add(start, end) {
    const span = { id: newId("s"), start, end, label: picker.get(), text: text.slice(index.toU16(start), index.toU16(end)) };
    spans.push(span);
    spans.sort((a, b) => a.start - b.start || a.end - b.end);
    paint();
    changed();
  }
  function remove(s) {
    spans = spans.filter((x) => x !== s);
    if (focusId === s.id) focusId = null;
    paint();
    changed();
  }
  // All spans into the annotator's store at once (replacing what it had), as REMOTE changes: they are
  // not the annotator user's edits, so its own undo stack and lifecycle events leave them alone.
  function sync() {
    const parsed = spans.map((s) => adapter.parse(toW3C(index, s, source)).parsed).filter(Boolean);
    anno.state.store.bulkAddAnnotations(parsed, true, Origin.REMOTE);
    if (focusId) {
      echo = focusId;
      anno.setSelected(focusId);
    }
    if (!view.isConnected) requestAnimationFrame(() => anno.state.store.recalculatePositions());
  }
  function paintList() {
    list.replaceChildren(...spans.map((s) => {
      const sel = h("select", { "aria-label": t("Label of %(text)s", { text: s.text }), disabled: readOnly,
        onchange: (e) => { s.label = e.target.value; paint(); changed(); } },
        ...control.labels.map((l) => h("option", { value: l, selected: l === s.label }, l)));
      return h("li", { "data-id": s.id, class: s.id === focusId ? "focus" : null, style: { "--mark": color(s.label) } },
        h("span.chiptext", {}, s.text), h("small", {}, ` ${s.start}–${s.end} `), sel,
        readOnly ? null : h("button.del", { type: "button", "aria-label": t("Delete %(text)s", { text: s.text }),
          onclick: () => remove(s) }, "×"));
    }));
  }
  function paint() {
    sync();
    paintList();
  }
  paint();
  return {
    el,
    get: () => (spans.length ? { spans: clone(spans) } : control.required === false ? null : { spans: [] }),
    set(v) {
      focusId = null;
      spans = clone(v?.spans || []).map((s) => ({ ...s, id: String(s.id ?? newId("s")),
        text: text.slice(index.toU16(s.start), index.toU16(s.end)) }));
      paint();
    },
    spans: () => spans,
    key(e) {
      if (readOnly) return false;
      if (/^[1-9]$/.test(e.key)) {
        picker.pickIndex(Number(e.key) - 1);
        return true;
      }
      const s = spans.find((x) => x.id === focusId);
      if (s && (e.key === "Delete" || e.key === "Backspace")) {
        remove(s);
        return true;
      }
      if (s && e.key === "Escape") {
        focusId = null;
        anno.cancelSelected();
        paintList();
        return true;
      }
      return false;
    },
    destroy: () => anno.destroy(),
  };
}

export function relationsWidget({ control, changed, editor, readOnly }) {
  let rels = [];
  const source = () => editor.widget(control.spans)?.spans?.() || [];
  const fromSel = h("select", { "aria-label": t("From span") });
  const toSel = h("select", { "aria-label": t("To span") });
  const labelSel = h("select", { "aria-label": t("Relation") }, ...control.labels.map((l) => h("option", { value: l }, l)));
  const addBtn = h("button", { type: "button", onclick: add }, t("Add relation"));
  const list = h("ul.regionlist", { "aria-label": t("Relations") });
  const el = h("div.widget.relations", {}, readOnly ? null : h("div.row", {}, fromSel, h("span", {}, "→"), toSel, labelSel, addBtn), list);
  const name = (id) => source().find((s) => s.id === id)?.text ?? id;

  function add() {
    if (!fromSel.value || !toSel.value || fromSel.value === toSel.value) return;
    rels.push({ from: fromSel.value, to: toSel.value, label: labelSel.value });
    paint();
    changed();
  }
  function paint() {
    const spans = source();
    const ids = new Set(spans.map((s) => s.id));
    rels = rels.filter((r) => ids.has(r.from) && ids.has(r.to)); // a deleted span takes its relations along
    for (const sel of [fromSel, toSel]) {
      const keep = sel.value;
      sel.replaceChildren(...spans.map((s) => h("option", { value: s.id, selected: s.id === keep }, `${s.text} [${s.label}]`)));
    }
    list.replaceChildren(...rels.map((r) => h("li", {}, `${name(r.from)} —${r.label}→ ${name(r.to)} `,
      readOnly ? null : h("button.del", { type: "button", "aria-label": t("Delete"), onclick: () => { rels = rels.filter((x) => x !== r); paint(); changed(); } }, "×"))));
  }
  paint();
  return {
    el,
    get: () => (rels.length ? { relations: clone(rels) } : control.required === false ? null : { relations: [] }),
    set(v) { rels = clone(v?.relations || []); paint(); },
    refresh: paint,
  };
}

export function kgWidget({ control, data, changed, readOnly }) {
  const text = textOf(data, control.to);
  let triples = [];
  let pending = null;
  let subject = null;
  let object = null;
  const view = textView(text, { onSelect: (a, b) => { pending = { start: a, end: b, text: view.slice(a, b) }; paint(); } });
  const pendingOut = h("output.pending", { "aria-live": "polite" });
  const subjOut = h("output");
  const objOut = h("output");
  const relSel = h("select", { "aria-label": t("Relation") }, ...control.relations.map((r) => h("option", { value: r }, r)));
  const addBtn = h("button", { type: "button", onclick: add }, t("Add triple"));
  const list = h("ul.regionlist", { "aria-label": t("Triples") });
  const bar = h("div.row", {},
    h("span", {}, t("Selected:")), pendingOut,
    h("button", { type: "button", onclick: () => { subject = pending; paint(); } }, t("Set as subject")),
    h("button", { type: "button", onclick: () => { object = pending; paint(); } }, t("Set as object")));
  const builder = h("div.row", {}, h("span", {}, t("Subject")), subjOut, relSel, h("span", {}, t("Object")), objOut, addBtn);
  const el = h("div.widget.kg", {}, view.el, readOnly ? null : findBox(text, (a, b) => { pending = { start: a, end: b, text: view.slice(a, b) }; paint(); }),
    readOnly ? null : bar, readOnly ? null : builder, list);

  function add() {
    if (!subject || !object) return;
    triples.push({ subject, relation: relSel.value, object });
    subject = object = pending = null;
    paint();
    changed();
  }
  function paint() {
    pendingOut.textContent = pending ? pending.text : "—";
    subjOut.textContent = subject ? subject.text : "—";
    objOut.textContent = object ? object.text : "—";
    addBtn.disabled = !(subject && object);
    const ranges = [];
    triples.forEach((tr, i) => {
      ranges.push({ id: `t${i}s`, ...tr.subject, color: "#1d5fd1" });
      ranges.push({ id: `t${i}o`, ...tr.object, color: "#c2410c" });
    });
    for (const [r, c] of [[subject, "#1d5fd1"], [object, "#c2410c"], [pending, "#888"]]) if (r) ranges.push({ id: "p", ...r, color: c });
    view.render(ranges);
    list.replaceChildren(...triples.map((tr) => h("li", {}, `(${tr.subject.text}, ${tr.relation}, ${tr.object.text}) `,
      readOnly ? null : h("button.del", { type: "button", "aria-label": t("Delete"), onclick: () => { triples = triples.filter((x) => x !== tr); paint(); changed(); } }, "×"))));
  }
  paint();
  return {
    el,
    get: () => (triples.length ? { triples: clone(triples) } : control.required === false ? null : { triples: [] }),
    set(v) { triples = clone(v?.triples || []); paint(); },
  };
}
