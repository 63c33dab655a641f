// The annotation editor: one widget per control of the project's schema, composed in order, with
// the task data they do not show themselves, undo/redo over whole-result snapshots, and key routing.
import { choicesWidget, ratingWidget, transcriptionWidget } from "./choices.js";
import { alignmentWidget, regionsWidget } from "./image.js";
import { cotWidget, pairwiseWidget, rankingWidget } from "./llm.js";
import { renderMarkdown } from "./markdown.js";
import { audioSegmentsWidget, videoSegmentsWidget } from "./media.js";
import { kgWidget, relationsWidget, spansWidget } from "./text.js";
import { clone, h, loadable, mediaKind, t } from "./util.js";

const WIDGETS = {
  choices: choicesWidget,
  rating: ratingWidget,
  transcription: transcriptionWidget,
  spans: spansWidget,
  relations: relationsWidget,
  kg_triples: kgWidget,
  bbox: (ctx) => regionsWidget(ctx, "bbox"),
  polygon: (ctx) => regionsWidget(ctx, "polygon"),
  keypoints: (ctx) => regionsWidget(ctx, "keypoints"),
  image_text_alignment: alignmentWidget,
  audio_segments: audioSegmentsWidget,
  video_segments: videoSegmentsWidget,
  pairwise: pairwiseWidget,
  ranking: rankingWidget,
  cot_review: cotWidget,
};

// Fields a widget draws itself; the data panel shows the others that controls point at.
function ownFields(c) {
  if (["choices", "rating", "transcription", "relations"].includes(c.kind)) return [];
  if (c.kind === "pairwise") return c.to;
  if (c.kind === "image_text_alignment") return [c.image, c.text];
  return [c.to];
}
const HAS_LEGEND = new Set(["choices", "rating", "pairwise", "ranking", "cot_review", "image_text_alignment", "transcription"]);
const CONTEXT_KEYS = ["prompt", "question", "instruction", "query", "context", "input"];

function fieldView(key, value) {
  const kind = mediaKind(key, value);
  let body;
  if (kind && loadable(value)) {
    body = kind === "image" ? h("img", { src: value, alt: key })
      : h(kind, { src: value, controls: true, preload: "metadata", "aria-label": key });
  } else if (typeof value === "string") {
    body = /prompt|question|instruction|query/i.test(key) ? renderMarkdown(value) : h("div.plaintext", {}, value);
  } else {
    body = h("pre", {}, JSON.stringify(value, null, 2));
  }
  return h("section.field", { "data-field": key }, h("h3.fieldname", {}, key), body);
}

export class Editor {
  constructor(root, { schema, data, readOnly = false, onChange = () => {} }) {
    this.root = root;
    this.controls = schema?.controls || [];
    this.readOnly = readOnly;
    this.onChange = onChange;
    this.widgets = new Map();
    this.history = [];
    this.at = -1;
    this.quiet = false;
    root.replaceChildren();
    root.classList.add("editor");

    const own = new Set(this.controls.flatMap(ownFields));
    const passive = new Set(this.controls.filter((c) => !ownFields(c).length && c.to).flatMap((c) => [].concat(c.to)));
    const show = Object.keys(data || {}).filter((k) => !own.has(k) && (passive.has(k) || CONTEXT_KEYS.includes(k)));
    if (!show.length && !own.size && typeof data?.text === "string") show.push("text");
    if (show.length) root.append(h("div.datapanel", {}, ...show.map((k) => fieldView(k, data[k]))));

    for (const control of this.controls) {
      const make = WIDGETS[control.kind];
      const box = h("section.control", { "data-control": control.name, "data-kind": control.kind, "aria-label": control.title || control.name });
      if (!HAS_LEGEND.has(control.kind)) box.append(h("h2.controlname", {}, control.title || control.name));
      if (control.help) box.append(h("p.help", {}, control.help));
      if (!make) {
        box.append(h("p.note", {}, t("This control kind is not supported in the editor: %(kind)s", { kind: control.kind })));
        root.append(box);
        continue;
      }
      const widget = make({ control, data, readOnly, editor: this, changed: () => this.changed() });
      box.append(widget.el);
      root.append(box);
      this.widgets.set(control.name, widget);
    }
  }

  widget(name) {
    return this.widgets.get(name);
  }

  value() {
    const out = {};
    for (const [name, w] of this.widgets) {
      const v = w.get();
      if (v !== null && v !== undefined) out[name] = v;
    }
    return out;
  }

  // Required controls with nothing (or an unfinished value) yet, by title.
  missing() {
    return this.controls.filter((c) => {
      const w = this.widgets.get(c.name);
      if (!w || c.required === false) return false;
      const v = w.get();
      return v === null || v === undefined || (w.complete && !w.complete());
    }).map((c) => c.title || c.name);
  }

  load(result) {
    this.quiet = true;
    for (const [name, w] of this.widgets) w.set(clone(result?.[name]) ?? null);
    for (const w of this.widgets.values()) w.refresh?.();
    this.quiet = false;
    this.history = [JSON.stringify(this.value())];
    this.at = 0;
  }

  changed() {
    if (this.quiet) return;
    for (const w of this.widgets.values()) w.refresh?.();
    const snap = JSON.stringify(this.value());
    if (snap === this.history[this.at]) return;
    this.history = this.history.slice(0, this.at + 1);
    this.history.push(snap);
    if (this.history.length > 200) this.history.shift();
    this.at = this.history.length - 1;
    this.onChange(this);
  }

  restore(i) {
    if (i < 0 || i >= this.history.length) return false;
    this.at = i;
    this.quiet = true;
    const v = JSON.parse(this.history[i]);
    for (const [name, w] of this.widgets) w.set(clone(v[name]) ?? null);
    for (const w of this.widgets.values()) w.refresh?.();
    this.quiet = false;
    this.onChange(this);
    return true;
  }

  undo() { return this.restore(this.at - 1); }
  redo() { return this.restore(this.at + 1); }

  // Widget keys: the widget holding focus first, then the others in schema order.
  handleKey(e) {
    const active = document.activeElement;
    const ordered = [...this.widgets.entries()].sort(([, a], [, b]) => Number(b.el.contains(active)) - Number(a.el.contains(active)));
    for (const [, w] of ordered) if (w.key && w.key(e)) return true;
    return false;
  }

  destroy() {
    for (const w of this.widgets.values()) w.destroy?.();
    this.root.replaceChildren();
  }
}
