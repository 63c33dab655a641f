// Side-by-side comparison of results: one row per control, one column per annotation, cells that
// differ from the reference column highlighted. Summaries are plain text (never HTML).
import { h, round, t } from "./util.js";

const n0 = (v) => round(Number(v), 0);

export function summarize(control, v) {
  if (v === null || v === undefined) return "—";
  switch (control.kind) {
    case "choices": return (v.choices || []).join(", ");
    case "rating": return String(v.value);
    case "transcription": return v.text ?? "";
    case "spans": return (v.spans || []).map((s) => `[${s.label}] ${s.text} (${s.start}–${s.end})`).join("\n") || "∅";
    case "relations": return (v.relations || []).map((r) => `${r.from} —${r.label}→ ${r.to}`).join("\n") || "∅";
    case "kg_triples": return (v.triples || []).map((x) => `(${x.subject.text}, ${x.relation}, ${x.object.text})`).join("\n") || "∅";
    case "bbox": return (v.boxes || []).map((b) => `${b.label} ${n0(b.x)},${n0(b.y)} ${n0(b.width)}×${n0(b.height)}`).join("\n") || "∅";
    case "polygon": return (v.polygons || []).map((p) => `${p.label} (${p.points.length})`).join("\n") || "∅";
    case "keypoints": return (v.keypoints || []).map((k) => `${k.label} ${n0(k.x)},${n0(k.y)}`).join("\n") || "∅";
    case "audio_segments":
    case "video_segments":
      return (v.segments || []).map((s) => `${s.label} ${Number(s.start).toFixed(2)}–${Number(s.end).toFixed(2)}s${s.text ? ` “${s.text}”` : ""}`).join("\n") || "∅";
    case "pairwise": return `${{ left: t("Left"), right: t("Right"), tie: t("Tie") }[v.choice] ?? v.choice}${v.reason ? ` — ${v.reason}` : ""}`;
    case "ranking": return (v.order || []).join(" > ");
    case "cot_review":
      return `${(v.steps || []).map((s) => (s.verdict === "correct" ? "✓" : "✗")).join(" ")} · ${t("Final rating")} ${v.final_rating ?? "—"}`
        + (v.steps || []).filter((s) => s.correction).map((s) => `\n#${s.index + 1}: ${s.correction}`).join("");
    case "image_text_alignment": return `${t("Score")} ${v.score ?? "—"} · ${t("%(n)s links", { n: (v.links || []).length })}`;
    default: return JSON.stringify(v);
  }
}

// Comparable form: region ids dropped, unordered lists sorted (order matters only for rankings and points).
export function normalize(v, key = "") {
  if (Array.isArray(v)) {
    const items = v.map((x) => normalize(x));
    return key === "order" || key === "points" ? items : items.map((x) => JSON.stringify(x)).sort().map((x) => JSON.parse(x));
  }
  if (v && typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v).sort()) {
      if (k === "id" || k === "from" || k === "to") continue;
      out[k] = normalize(v[k], k);
    }
    return out;
  }
  return typeof v === "number" ? round(v, 1) : v;
}
const same = (a, b) => JSON.stringify(normalize(a ?? null)) === JSON.stringify(normalize(b ?? null));

// columns: [{title, result}], ref: index of the column others are compared with.
export function compareTable(controls, columns, ref = 0) {
  const head = h("tr", {}, h("th", { scope: "col" }, t("Control")), ...columns.map((c, i) => h("th", { scope: "col", class: i === ref ? "ref" : null }, c.title)));
  const rows = controls.map((control) => h("tr", { "data-control": control.name },
    h("th", { scope: "row" }, control.title || control.name),
    ...columns.map((c, i) => {
      const v = c.result?.[control.name];
      const differs = i !== ref && !same(v, columns[ref].result?.[control.name]);
      return h("td", { class: differs ? "diff" : i === ref ? "ref" : null, title: differs ? t("Differs") : null },
        h("div.summary", {}, summarize(control, v)), differs ? h("span.visually-hidden", {}, ` (${t("Differs")})`) : null);
    })));
  return h("div.tablewrap", {}, h("table.compare", {}, h("thead", {}, head), h("tbody", {}, ...rows)));
}
