// What each label kind needs in the builder (docs/label-schemas.md). Field types:
// field = a task data key, list = one value per line, bool, int, num, pair = [min, max], spans = a spans control.

export const KINDS = {
  choices: { to: "text", fields: { options: "list", multiple: "bool" } },
  spans: { to: "text", fields: { labels: "list" } },
  relations: { to: null, fields: { spans: "spans", labels: "list" } },
  bbox: { to: "image", fields: { labels: "list" } },
  polygon: { to: "image", fields: { labels: "list" } },
  keypoints: { to: "image", fields: { labels: "list" } },
  transcription: { to: "audio", fields: { min_length: "int" } },
  audio_segments: { to: "audio", fields: { labels: "list", transcribe: "bool" } },
  video_segments: { to: "video", fields: { labels: "list", fps: "num" } },
  pairwise: { to: "pair", fields: { allow_tie: "bool" } },
  ranking: { to: "responses", fields: {} },
  rating: { to: "text", fields: { min: "int", max: "int" } },
  cot_review: { to: "steps", fields: { final_scale: "pair" } },
  image_text_alignment: { to: null, fields: { image: "field", text: "field", score_scale: "pair" } },
  kg_triples: { to: "text", fields: { relations: "list" } },
};

/** A new control of `kind` with sensible defaults, named uniquely among `taken`. */
export function newControl(kind, taken) {
  let name = kind, i = 2;
  while (taken.has(name)) name = `${kind}_${i++}`;
  const c = { name, kind };
  const spec = KINDS[kind];
  if (spec.to === "pair") c.to = ["answer_a", "answer_b"];
  else if (spec.to) c.to = spec.to;
  for (const [f, type] of Object.entries(spec.fields)) {
    if (type === "list") c[f] = f === "options" ? ["正面", "负面", "中性"] : ["A", "B"];
    else if (type === "bool") c[f] = f === "transcribe" ? false : f === "allow_tie";
    else if (f === "min") c[f] = 1;
    else if (f === "max") c[f] = 5;
    else if (f === "fps") c[f] = 25;
    else if (type === "pair") c[f] = [1, 5];
    else if (f === "image") c[f] = "image";
    else if (f === "text") c[f] = "caption";
  }
  return c;
}

/** Split a textarea into distinct, non-blank values (newlines, or commas including Chinese ones). */
export function splitList(text) {
  return [...new Set(text.split(/[\n,，、]/).map((s) => s.trim()).filter(Boolean))];
}

/** The schema as the API expects it: empty optional numbers dropped. */
export function cleanSchema(controls) {
  return {
    controls: controls.map((c) => {
      const out = {};
      for (const [k, v] of Object.entries(c)) {
        if (v === "" || v === null || (typeof v === "number" && Number.isNaN(v))) continue;
        out[k] = v;
      }
      return out;
    }),
  };
}
