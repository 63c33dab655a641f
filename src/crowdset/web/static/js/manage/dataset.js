// Dataset owner actions: publish a project's export as a version, run an evaluation (job progress).
import { api, pollJob, problemText, readJson, showProgress } from "./api.js";

const t = readJson("i18n");

function fail(box, err) {
  box.textContent = problemText(err);
  box.hidden = false;
}

const publish = document.getElementById("publish-form");
publish?.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const fd = new FormData(publish);
  const body = { project_id: Number(fd.get("project_id")), format: fd.get("format") };
  if (fd.get("version")) body.version = String(fd.get("version")).trim();
  const btn = publish.querySelector("button");
  btn.disabled = true;
  try {
    await api(publish.dataset.url, { method: "POST", json: body });
    window.location.reload();
  } catch (err) {
    fail(document.getElementById("publish-error"), err);
  } finally {
    btn.disabled = false;
  }
});

const evaluate = document.getElementById("evaluate-form");
evaluate?.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const fd = new FormData(evaluate);
  const errorBox = document.getElementById("evaluate-error");
  const result = document.getElementById("evaluate-result");
  errorBox.hidden = true;
  result.hidden = true;
  document.getElementById("evaluate-status").hidden = false;
  const bar = document.getElementById("evaluate-progress");
  const label = document.getElementById("evaluate-label");
  const btn = evaluate.querySelector("button");
  btn.disabled = true;
  try {
    const url = `/api/v1/datasets/${evaluate.dataset.dataset}/versions/${encodeURIComponent(fd.get("version"))}/evaluations`;
    const started = await api(url, { method: "POST", json: { profile: fd.get("profile") } });
    const job = await pollJob(started, (j) => showProgress(bar, label, j));
    if (job.state !== "succeeded") throw new Error(job.error || t.failed);
    result.textContent = t.done.replace("%(grade)s", job.result?.grade ?? "?");
    result.hidden = false;
    window.location.reload();  // history, rating and tier come from the server
  } catch (err) {
    fail(errorBox, err);
    btn.disabled = false;
  }
});
