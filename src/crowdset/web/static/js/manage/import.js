// Upload a task file, follow the import job, and list every rejected row (row, field, message).
// The texts come from the API in the page's language; a control is named by its title where the
// label schema gives one (the API names controls by their stable name).
import { api, el, pollJob, problemText, readJson, showProgress } from "./api.js";

const t = readJson("i18n");
const titles = Object.fromEntries((readJson("label-schema").controls || [])
  .filter((c) => c && c.name && c.title).map((c) => [c.name, c.title]));
// a result's path starts with the control it belongs to: gold.<control>..., predictions[0].result.<control>...
const RESULT_PATH = /^(gold|(?:predictions|annotations)\[\d+\]\.result)\.([^.[]+)(.*)$/;
const form = document.getElementById("import-form");
const status = document.getElementById("import-status");
const bar = document.getElementById("import-progress");
const label = document.getElementById("import-label");
const done = document.getElementById("import-done");
const errors = document.getElementById("import-errors");
const detail = document.getElementById("import-error-detail");
const rows = document.getElementById("import-error-rows");

/** The field cell: the control's title first when the path names a titled control, the path after it. */
function fieldCell(field) {
  if (field === "row") return el("td", { text: t.whole_row });  // the problem is the row itself (not JSON, ...)
  const m = RESULT_PATH.exec(field || "");
  const title = m && titles[m[2]];
  if (!title) return el("td", { text: field ?? "" });
  return el("td", { title: field }, el("span", { class: "control-title", text: title }), " ",
    el("code", { class: "hint", text: field }));
}

/** The message with a control it names (params.control) called by its title, quoted as the text quotes it. */
function messageText(e) {
  let text = e.message ?? "";
  const name = e.params?.control;
  const title = typeof name === "string" ? titles[name] : undefined;
  if (title) {
    for (const [open, close] of [["“", "”"], ["'", "'"]]) text = text.replace(`${open}${name}${close}`, `${open}${title}${close}`);
  }
  return text;
}

function showErrors(message, list) {
  detail.textContent = message;
  rows.replaceChildren(...list.map((e) => el("tr", { "data-code": e.code ?? "" },
    el("td", { text: e.row ?? "" }), fieldCell(e.field), el("td", { text: messageText(e) }))));
  errors.hidden = false;
}

const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, k) => String(values[k] ?? 0));

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  errors.hidden = true;
  done.hidden = true;
  status.hidden = false;
  bar.value = 0;
  label.textContent = t.uploading;
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    const started = await api(`/api/v1/projects/${form.dataset.project}/imports`, { method: "POST", body: new FormData(form) });
    const job = await pollJob(started, (j) => showProgress(bar, label, j));
    if (job.state === "succeeded") {
      // what was imported, then anything the import could not bring over (e.g. predictions listed by id)
      done.textContent = [fill(t.done, job.result || {}), ...(job.result?.warnings || [])].join(" ");
      done.hidden = false;
    } else {
      showErrors(job.result?.detail || job.error || t.failed, job.result?.errors || []);
    }
  } catch (err) {
    showErrors(problemText(err), err.problem?.errors || []);
  } finally {
    submit.disabled = false;
  }
});
