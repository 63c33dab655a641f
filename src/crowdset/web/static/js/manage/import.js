// Upload a task file, follow the import job, and list every rejected row (row, field, message).
import { api, el, pollJob, problemText, readJson, showProgress } from "./api.js";

const t = readJson("i18n");
const form = document.getElementById("import-form");
const status = document.getElementById("import-status");
const bar = document.getElementById("import-progress");
const label = document.getElementById("import-label");
const done = document.getElementById("import-done");
const errors = document.getElementById("import-errors");
const detail = document.getElementById("import-error-detail");
const rows = document.getElementById("import-error-rows");

function showErrors(message, list) {
  detail.textContent = message;
  rows.replaceChildren(...list.map((e) => el("tr", {},
    el("td", { text: e.row ?? "" }), el("td", { text: e.field ?? "" }), el("td", { text: e.message ?? "" }))));
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
