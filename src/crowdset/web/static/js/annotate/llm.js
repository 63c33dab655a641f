// Widgets for judging LLM outputs: pairwise preference, ranking (drag or keyboard), chain-of-thought
// review. Responses are rendered with the safe Markdown subset (no HTML is ever parsed).
import { scale } from "./choices.js";
import { renderMarkdown } from "./markdown.js";
import { clone, h, t } from "./util.js";

const asText = (v) => (typeof v === "string" ? v : v?.text ?? v?.content ?? JSON.stringify(v ?? ""));

export function pairwiseWidget({ control, data, changed, readOnly }) {
  const [left, right] = control.to;
  let choice = null;
  const options = [["left", t("Left is better")], ["right", t("Right is better")]];
  if (control.allow_tie) options.push(["tie", t("Tie")]);
  const buttons = options.map(([v, label], i) => h("button.pick", { type: "button", "data-choice": v, disabled: readOnly,
    onclick: () => pick(v) }, h("kbd", {}, String(i + 1)), label));
  const reason = h("textarea", { rows: 2, readonly: readOnly, "aria-label": t("Reason (optional)"), placeholder: t("Reason (optional)"), oninput: () => changed() });
  const col = (side, field) => h("article.response", { "data-side": side, "aria-label": field },
    h("header", {}, side === "left" ? t("Left") : t("Right"), h("small", {}, ` · ${field}`)), renderMarkdown(asText(data?.[field])));
  const el = h("div.widget.pairwise", {}, h("div.legend", {}, control.title || control.name),
    h("div.sidebyside", {}, col("left", left), col("right", right)), h("div.row", { role: "group", "aria-label": t("Which is better?") }, ...buttons), reason);
  function pick(v, silent) {
    choice = v;
    for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.choice === v));
    el.querySelectorAll(".response").forEach((r) => r.classList.toggle("chosen", r.dataset.side === v || v === "tie"));
    if (!silent) changed();
  }
  pick(null, true);
  return {
    el,
    get() {
      if (!choice) return null;
      const v = { choice };
      if (reason.value.trim()) v.reason = reason.value.trim();
      return v;
    },
    set(v) { pick(v?.choice ?? null, true); reason.value = v?.reason ?? ""; },
    key(e) {
      const i = Number(e.key) - 1;
      if (readOnly || !(i >= 0 && i < options.length)) return false;
      pick(options[i][0]);
      return true;
    },
  };
}

export function rankingWidget({ control, data, changed, readOnly }) {
  const items = Array.isArray(data?.[control.to]) ? data[control.to] : [];
  const byId = new Map(items.map((it) => [String(it.id), it]));
  let order = items.map((it) => it.id);
  let touched = false;
  const list = h("ol.ranking", { "aria-label": t("Ranking, best first") });
  const keep = h("button", { type: "button", disabled: readOnly, onclick: () => { touched = true; paint(); changed(); } }, t("Keep this order"));
  const el = h("div.widget.rankwidget", {}, h("div.legend", {}, control.title || control.name,
    h("small", {}, ` · ${t("drag, or focus an answer and press Alt+↑/↓")}`)), list, readOnly ? null : keep);
  let dragging = null;

  function move(from, to, focus = true) {
    if (to < 0 || to >= order.length || from === to) return;
    const [id] = order.splice(from, 1);
    order.splice(to, 0, id);
    touched = true;
    paint();
    if (focus) list.children[to]?.focus();
    changed();
  }
  function paint() {
    keep.hidden = touched;
    list.replaceChildren(...order.map((id, i) => {
      const li = h("li.rankitem", { tabindex: "0", draggable: readOnly ? null : "true", "data-id": String(id),
        "aria-label": t("Rank %(n)s", { n: i + 1 }) },
        h("span.rank", {}, `#${i + 1}`), h("div.body", {}, renderMarkdown(asText(byId.get(String(id))))),
        readOnly ? null : h("span.moves", {},
          h("button", { type: "button", "aria-label": t("Move up"), onclick: () => move(i, i - 1) }, "↑"),
          h("button", { type: "button", "aria-label": t("Move down"), onclick: () => move(i, i + 1) }, "↓")));
      if (readOnly) return li;
      li.addEventListener("keydown", (e) => {
        if (e.altKey && e.key === "ArrowUp") { e.preventDefault(); move(i, i - 1); }
        if (e.altKey && e.key === "ArrowDown") { e.preventDefault(); move(i, i + 1); }
      });
      li.addEventListener("dragstart", (e) => { dragging = i; e.dataTransfer.effectAllowed = "move"; e.dataTransfer.setData("text/plain", String(id)); li.classList.add("dragging"); });
      li.addEventListener("dragend", () => li.classList.remove("dragging"));
      li.addEventListener("dragover", (e) => { e.preventDefault(); li.classList.add("over"); });
      li.addEventListener("dragleave", () => li.classList.remove("over"));
      li.addEventListener("drop", (e) => { e.preventDefault(); if (dragging !== null) move(dragging, i, false); dragging = null; });
      return li;
    }));
  }
  paint();
  return {
    el,
    get: () => ({ order: [...order] }),
    complete: () => touched,
    set(v) {
      const ids = (v?.order || []).filter((id) => byId.has(String(id)));
      if (ids.length === items.length) { order = ids.map((id) => byId.get(String(id)).id); touched = true; }
      else { order = items.map((it) => it.id); touched = false; }
      paint();
    },
  };
}

export function cotWidget({ control, data, changed, readOnly }) {
  const steps = Array.isArray(data?.[control.to]) ? data[control.to] : [];
  const [fmin, fmax] = control.final_scale || [1, 5];
  let state = steps.map((_, i) => ({ index: i, verdict: null, correction: "" }));
  const rows = steps.map((step, i) => {
    const ok = h("button.verdict", { type: "button", "data-verdict": "correct", disabled: readOnly, onclick: () => setVerdict(i, "correct") }, "✓ ", t("Correct"));
    const bad = h("button.verdict", { type: "button", "data-verdict": "incorrect", disabled: readOnly, onclick: () => setVerdict(i, "incorrect") }, "✗ ", t("Incorrect"));
    const fix = h("textarea", { rows: 2, readonly: readOnly, "aria-label": t("Corrected step %(n)s", { n: i + 1 }), placeholder: t("Corrected text (optional)"),
      oninput: (e) => { state[i].correction = e.target.value; changed(); } });
    const li = h("li.step", { "data-index": i }, h("div.steptext", {}, renderMarkdown(asText(step))),
      h("div.row", { role: "group", "aria-label": t("Step %(n)s", { n: i + 1 }) }, ok, bad), fix);
    return { li, ok, bad, fix };
  });
  const final = scale(fmin, fmax, t("Final rating"), () => changed(), readOnly);
  const verdictSel = h("select", { disabled: readOnly, "aria-label": t("Final answer"), onchange: () => changed() },
    h("option", { value: "" }, "—"), h("option", { value: "correct" }, t("Correct")), h("option", { value: "incorrect" }, t("Incorrect")));
  const el = h("div.widget.cot", {}, h("div.legend", {}, control.title || control.name), h("ol.steps", {}, ...rows.map((r) => r.li)),
    h("div.row", {}, h("span", {}, t("Final rating")), final.el), h("label.row", {}, h("span", {}, t("Final answer")), verdictSel));

  function setVerdict(i, v, silent) {
    state[i].verdict = v;
    paintRow(i);
    if (!silent) {
      changed();
      if (v === "incorrect") rows[i].fix.focus();
    }
  }
  function paintRow(i) {
    const r = rows[i];
    r.ok.setAttribute("aria-pressed", String(state[i].verdict === "correct"));
    r.bad.setAttribute("aria-pressed", String(state[i].verdict === "incorrect"));
    r.li.dataset.verdict = state[i].verdict || "";
    r.fix.hidden = state[i].verdict !== "incorrect" && !state[i].correction;
    r.fix.value = state[i].correction;
  }
  rows.forEach((_, i) => paintRow(i));
  return {
    el,
    get() {
      const v = {
        steps: state.map((s) => {
          const out = { index: s.index, verdict: s.verdict };
          if (s.correction.trim()) out.correction = s.correction.trim();
          return out;
        }),
        final_rating: final.get(),
      };
      if (verdictSel.value) v.final_verdict = verdictSel.value;
      return v;
    },
    complete: () => state.every((s) => s.verdict) && final.get() !== null,
    set(v) {
      state = steps.map((_, i) => {
        const s = (v?.steps || []).find((x) => x.index === i);
        return { index: i, verdict: s?.verdict ?? null, correction: s?.correction ?? "" };
      });
      state.forEach((_, i) => paintRow(i));
      final.set(v?.final_rating ?? null);
      verdictSel.value = v?.final_verdict ?? "";
    },
    key(e) {
      if (readOnly || !/^[0-9]$/.test(e.key)) return false;
      const n = Number(e.key);
      if (n < fmin || n > fmax) return false;
      final.set(n);
      changed();
      return true;
    },
    snapshotRaw: () => clone(state),
  };
}
