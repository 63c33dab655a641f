// Reviewer and expert queues. /review/{id}: one submitted annotation at a time, next to the other
// annotations of the same task (differences highlighted); accept, reject with a comment, or fix.
// /arbitrate/{id}: every annotation and the consensus side by side; the expert resolves.
import { compareTable } from "./compare.js";
import { Editor } from "./editor.js";
import { announce, api, h, isTyping, pageData, t } from "./util.js";

const info = pageData("annotate-project");
const items = pageData("annotate-queue") || [];
const mode = document.body.querySelector("[data-mode]")?.dataset.mode; // "review" | "arbitrate"
const queue = document.getElementById("queue");
const compare = document.getElementById("compare");
const root = document.getElementById("editor");
const comment = document.getElementById("comment");
const empty = document.getElementById("queue-empty");
const actions = document.getElementById("actions");
let index = 0;
let editor = null;
let fixing = false;

function paintQueue() {
  queue.replaceChildren(...items.map((it, i) => h("li", {},
    h("button.linkish", { type: "button", "aria-current": i === index ? "true" : null, onclick: () => open(i) },
      mode === "review" ? t("Task %(id)s · annotation %(a)s", { id: it.task_id, a: it.annotation_id }) : t("Task %(id)s", { id: it.task_id })))));
}

function columns(it) {
  if (mode === "review") {
    return [{ title: t("Under review"), result: it.result },
      ...it.others.map((o) => ({ title: t("Annotator %(n)s", { n: o.n }), result: o.result }))];
  }
  const cols = it.annotations.map((o) => ({ title: t("Annotator %(n)s", { n: o.n }), result: o.result }));
  return [{ title: t("Consensus"), result: it.consensus }, ...cols];
}

function open(i) {
  index = i;
  fixing = false;
  editor?.destroy();
  paintQueue();
  const it = items[i];
  empty.hidden = !!it;
  actions.hidden = !it;
  compare.replaceChildren();
  if (!it) { root.replaceChildren(); return; }
  compare.append(compareTable(info.schema.controls, columns(it), 0));
  if (mode === "arbitrate") {
    const picks = h("div.row", {}, h("span", {}, t("Start from:")),
      h("button", { type: "button", onclick: () => editor.load(it.consensus) }, t("Consensus")),
      ...it.annotations.map((o) => h("button", { type: "button", onclick: () => editor.load(o.result) }, t("Annotator %(n)s", { n: o.n }))));
    compare.append(picks);
  }
  const readOnly = mode === "review";
  editor = new Editor(root, { schema: info.schema, data: it.data, readOnly });
  editor.load(mode === "review" ? it.result : it.consensus ?? it.annotations[0]?.result ?? null);
  root.dataset.taskId = String(it.task_id);
  comment.value = "";
  document.getElementById("btn-fix-save")?.toggleAttribute("hidden", true);
}

function done(msg) {
  items.splice(index, 1);
  announce(msg, "ok");
  open(Math.min(index, items.length - 1) < 0 ? 0 : Math.min(index, items.length - 1));
}

async function act(verdict) {
  const it = items[index];
  if (!it) return;
  try {
    if (mode === "arbitrate") {
      const missing = editor.missing();
      if (missing.length) { announce(t("Still to do: %(what)s", { what: missing.join(", ") }), "error"); return; }
      await api("POST", `/tasks/${it.task_id}/resolve`, { result: editor.value(), comment: comment.value });
      done(t("Resolved task %(id)s.", { id: it.task_id }));
      return;
    }
    if (verdict === "reject" && !comment.value.trim()) {
      announce(t("Say why you reject it, so the annotator can learn."), "error");
      comment.focus();
      return;
    }
    const body = { verdict, comment: comment.value };
    if (verdict === "fix") body.result = editor.value();
    await api("POST", `/annotations/${it.annotation_id}/review`, body);
    done({ accept: t("Accepted."), reject: t("Rejected; the annotator will see your comment."), fix: t("Fixed.") }[verdict]);
  } catch (err) {
    announce(err.describe ? err.describe() : err.message, "error");
  }
}

function startFix() {
  const it = items[index];
  if (!it || fixing) return;
  fixing = true;
  const current = editor.value();
  editor.destroy();
  editor = new Editor(root, { schema: info.schema, data: it.data });
  editor.load(current);
  document.getElementById("btn-fix-save").hidden = false;
  announce(t("Correct the annotation below, then save the fix."));
}

const bind = (id, fn) => document.getElementById(id)?.addEventListener("click", fn);
bind("btn-accept", () => act("accept"));
bind("btn-reject", () => act("reject"));
bind("btn-fix", startFix);
bind("btn-fix-save", () => act("fix"));
bind("btn-resolve", () => act("resolve"));

document.addEventListener("keydown", (e) => {
  if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && mode === "arbitrate") { e.preventDefault(); act("resolve"); }
    return;
  }
  if (mode === "review" && !fixing) {
    if (e.key === "a") { e.preventDefault(); act("accept"); return; }
    if (e.key === "r") { e.preventDefault(); comment.focus(); return; }
    if (e.key === "f") { e.preventDefault(); startFix(); return; }
  }
  if (e.key === "j") { e.preventDefault(); open(Math.min(items.length - 1, index + 1)); return; }
  if (e.key === "k") { e.preventDefault(); open(Math.max(0, index - 1)); return; }
  if (editor?.handleKey(e)) e.preventDefault();
});

open(0);
