// The labelling loop on /work/{project}: lease a task, prefetch the next one so the switch after
// submit is instant, autosave drafts, submit or skip, undo/redo, instructions on "?" or "i".
import { Editor } from "./editor.js";
import { renderMarkdown } from "./markdown.js";
import { announce, api, debounce, isTyping, loadable, mediaKind, pageData, t } from "./util.js";

const info = pageData("annotate-project");
const root = document.getElementById("editor");
const counter = document.getElementById("today-count");
const taskLabel = document.getElementById("task-label");
const saved = document.getElementById("draft-state");
const dialog = document.getElementById("instructions");
const buttons = {
  submit: document.getElementById("btn-submit"),
  skip: document.getElementById("btn-skip"),
  undo: document.getElementById("btn-undo"),
  redo: document.getElementById("btn-redo"),
  help: document.getElementById("btn-instructions"),
};
const conflict = document.getElementById("conflict");

let current = null;
let editor = null;
let nextLease = null; // a promise of the prefetched lease (or null)
let shownAt = 0;
let busy = false;

dialog.querySelector(".instructions-body").append(renderMarkdown(info.instructions || t("No instructions for this project.")));

// Warm the browser cache for the prefetched task's media, so it appears with its image.
function preload(lease) {
  for (const [k, v] of Object.entries(lease?.data || {})) {
    if (mediaKind(k, v) === "image" && loadable(v)) new Image().src = v;
  }
}

function prefetch() {
  nextLease = api("POST", `/projects/${info.id}/next?prefetch=true`).then((lease) => {
    if (lease && current && lease.annotation_id === current.annotation_id) return null;
    preload(lease);
    return lease;
  }).catch(() => null);
}

const saveDraft = debounce(async () => {
  if (!current || !editor) return;
  const id = current.annotation_id;
  try {
    await api("PUT", `/annotations/${id}/draft`, { draft: editor.value() });
    if (current?.annotation_id === id) saved.textContent = t("Draft saved");
  } catch (err) {
    saved.textContent = t("Draft not saved: %(why)s", { why: err.message });
  }
}, 1200);

function bestPrediction(preds) {
  if (!preds?.length) return null;
  return [...preds].sort((a, b) => (b.score ?? -1) - (a.score ?? -1))[0];
}

function show(lease) {
  editor?.destroy();
  current = lease;
  conflict.hidden = true;
  saved.textContent = "";
  announce("");
  if (!lease) {
    editor = null;
    root.replaceChildren();
    const done = document.getElementById("all-done");
    done.hidden = false;
    document.getElementById("prediction-note").hidden = true;
    root.dataset.annotationId = "";
    taskLabel.textContent = "";
    for (const b of [buttons.submit, buttons.skip, buttons.undo, buttons.redo]) b.disabled = true;
    return;
  }
  buttons.submit.disabled = false;
  editor = new Editor(root, { schema: info.schema, data: lease.data, onChange: () => { saved.textContent = t("Unsaved changes"); announce(""); saveDraft(); } });
  const pred = bestPrediction(lease.predictions);
  editor.load(lease.draft ?? pred?.result ?? null);
  const note = document.getElementById("prediction-note");
  note.hidden = !(pred && !lease.draft);
  if (pred) note.textContent = t("Pre-annotated by %(model)s: check and correct before submitting.", { model: pred.model });
  taskLabel.textContent = t("Task %(id)s", { id: lease.task_id });
  root.dataset.annotationId = String(lease.annotation_id);
  root.dataset.taskId = String(lease.task_id);
  shownAt = performance.now();
  window.scrollTo({ top: 0 });
  root.querySelector("input, button, [tabindex='0']")?.focus({ preventScroll: true });
}

async function advance() {
  let lease = nextLease ? await nextLease : null;
  nextLease = null;
  if (!lease) lease = await api("POST", `/projects/${info.id}/next`).catch(() => null);
  show(lease);
  if (lease) prefetch();
}

async function submit() {
  if (!current || busy) return;
  const missing = editor.missing();
  if (missing.length) {
    announce(t("Still to do: %(what)s", { what: missing.join(", ") }), "error");
    return;
  }
  busy = true;
  saveDraft.cancel();
  const leadTime = Math.round((performance.now() - shownAt) / 100) / 10;
  try {
    await api("POST", `/annotations/${current.annotation_id}/submit`, { result: editor.value(), lead_time: leadTime });
    counter.textContent = String(Number(counter.textContent) + 1);
    await advance();
  } catch (err) {
    if (err.status === 409 && err.body?.current) showConflict(err.body.current);
    else announce(err.describe ? err.describe() : err.message, "error");
  } finally {
    busy = false;
  }
}

// The same lease submitted from another tab first: nothing is overwritten silently. The person
// keeps the stored answer (and moves on) or replaces it with theirs as an explicit, versioned edit.
let stored = null;
function showConflict(current_) {
  stored = current_;
  conflict.hidden = false;
  buttons.submit.disabled = true;
  conflict.querySelector("button")?.focus();
}

async function resolveConflict(replace) {
  if (!current || !stored || busy) return;
  busy = true;
  try {
    if (replace) await api("PUT", `/annotations/${stored.annotation_id}`, { result: editor.value(), version: stored.version });
    stored = null;
    buttons.submit.disabled = false;
    await advance();
  } catch (err) {
    if (err.status === 409 && err.body?.current) stored = err.body.current;
    announce(err.describe ? err.describe() : err.message, "error");
  } finally {
    busy = false;
  }
}
document.getElementById("btn-keep-saved").addEventListener("click", () => resolveConflict(false));
document.getElementById("btn-replace-saved").addEventListener("click", () => resolveConflict(true));

async function skip() {
  if (!current || busy) return;
  busy = true;
  saveDraft.cancel();
  try {
    await api("POST", `/annotations/${current.annotation_id}/skip`);
    await advance();
  } catch (err) {
    announce(err.describe ? err.describe() : err.message, "error");
  } finally {
    busy = false;
  }
}

buttons.submit.addEventListener("click", submit);
buttons.skip.addEventListener("click", skip);
buttons.undo.addEventListener("click", () => editor?.undo());
buttons.redo.addEventListener("click", () => editor?.redo());
buttons.help.addEventListener("click", () => dialog.showModal());
dialog.querySelector(".close").addEventListener("click", () => dialog.close());

document.addEventListener("keydown", (e) => {
  if (dialog.open || !editor) return;
  const mod = e.ctrlKey || e.metaKey;
  if (mod && e.key === "Enter") { e.preventDefault(); submit(); return; }
  if (isTyping(e)) return;
  // Undo is the editor's (whole-result snapshots): Annotorious' own document-wide undo keys must not run too.
  if (mod && (e.key === "z" || e.key === "Z")) { e.preventDefault(); e.stopImmediatePropagation(); if (e.shiftKey) editor.redo(); else editor.undo(); return; }
  if (mod && e.key === "y") { e.preventDefault(); e.stopImmediatePropagation(); editor.redo(); return; }
  if (mod || e.altKey) return;
  if (e.key === "?" || e.key === "i") { e.preventDefault(); dialog.showModal(); return; }
  if (editor.handleKey(e)) e.preventDefault();
});
// Leaving with unsaved edits: one last draft save that survives the page going away.
window.addEventListener("pagehide", () => {
  if (!current || !editor || saved.textContent !== t("Unsaved changes")) return;
  saveDraft.cancel();
  fetch(`/api/v1/annotations/${current.annotation_id}/draft`, {
    method: "PUT", keepalive: true, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content },
    body: JSON.stringify({ draft: editor.value() }),
  });
});

(async () => {
  try {
    const lease = await api("POST", `/projects/${info.id}/next`);
    show(lease);
    if (lease) prefetch();
  } catch (err) {
    announce(err.describe ? err.describe() : err.message, "error");
  }
})();
