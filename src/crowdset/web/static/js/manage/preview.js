// A static mock of how a task looks to an annotator, drawn from the schema (no user HTML: text only).
import { el } from "./api.js";

const sample = (t) => ({
  text: "这家餐厅的服务很好，菜也好吃。",
  caption: "一只猫坐在红色沙发上",
  steps: ["设 x = 2", "则 x² = 4", "所以答案是 4"],
  responses: [{ id: "r1", text: "回答一" }, { id: "r2", text: "回答二" }],
  answer_a: "回答 A", answer_b: "回答 B",
});

function chips(values, cls = "chip") {
  return el("div", { class: "chips" }, ...values.map((v) => el("span", { class: cls, text: v })));
}

function media(kind, field, t) {
  const label = `${t.media}: ${field}`;
  return el("div", { class: `media media-${kind}`, text: label });
}

const draw = {
  choices: (c) => el("div", { class: "choices" }, ...(c.options || []).map((o) =>
    el("label", {}, el("input", { type: c.multiple ? "checkbox" : "radio", name: `pv-${c.name}`, disabled: true }), ` ${o}`))),
  spans: (c, t, d) => el("div", {}, el("p", { class: "sample", text: d.text }), chips(c.labels || [])),
  relations: (c) => chips(c.labels || [], "chip rel"),
  bbox: (c, t) => el("div", {}, media("image", c.to, t), chips(c.labels || [])),
  polygon: (c, t) => el("div", {}, media("image", c.to, t), chips(c.labels || [])),
  keypoints: (c, t) => el("div", {}, media("image", c.to, t), chips(c.labels || [])),
  transcription: (c, t) => el("div", {}, media(c.to, c.to, t), el("textarea", { rows: 2, placeholder: t.transcript, disabled: true })),
  audio_segments: (c, t) => el("div", {}, media("audio", c.to, t), chips(c.labels || [])),
  video_segments: (c, t) => el("div", {}, media("video", c.to, t), chips(c.labels || [])),
  pairwise: (c, t, d) => el("div", { class: "pair" },
    el("div", { class: "side", text: d[c.to?.[0]] ?? c.to?.[0] }), el("div", { class: "side", text: d[c.to?.[1]] ?? c.to?.[1] }),
    chips(["←", ...(c.allow_tie ? [t.tie] : []), "→"], "chip btn")),
  ranking: (c, t, d) => el("div", {}, el("p", { class: "hint", text: t.responses }),
    el("ol", {}, ...d.responses.map((r) => el("li", { text: r.text })))),
  rating: (c) => chips(range(c.min ?? 1, c.max ?? 5), "chip btn"),
  cot_review: (c, t, d) => el("div", {}, el("ol", {}, ...d.steps.map((s) =>
    el("li", {}, `${s} `, chips([t.correct, t.incorrect], "chip btn")))),
    el("p", { class: "hint", text: t.final }), chips(range(...(c.final_scale || [1, 5])), "chip btn")),
  image_text_alignment: (c, t, d) => el("div", {}, media("image", c.image, t), el("p", { class: "sample", text: d.caption }),
    el("p", { class: "hint", text: t.score }), chips(range(...(c.score_scale || [1, 5])), "chip btn")),
  kg_triples: (c, t, d) => el("div", {}, el("p", { class: "sample", text: d.text }), chips(c.relations || [], "chip rel")),
};

function range(lo, hi) {
  const out = [];
  for (let i = Number(lo); i <= Number(hi) && out.length < 101; i++) out.push(String(i));
  return out;
}

/** Replace `root`'s content with a mock task for `controls`. */
export function renderPreview(root, controls, t) {
  const d = sample(t);
  root.replaceChildren();
  if (!controls.length) {
    root.append(el("p", { class: "empty", text: t.empty }));
    return;
  }
  if (controls.some((c) => ["choices", "rating"].includes(c.kind) && c.to === "text")) {
    root.append(el("p", { class: "sample", text: d.text }));
  }
  for (const c of controls) {
    const fn = draw[c.kind];
    root.append(el("fieldset", { class: "pv-control" }, el("legend", { text: c.title || c.name }),
      fn ? fn(c, t, d) : el("span", { text: c.kind })));
  }
}
