// Quality: start a consensus run (job with progress), plot agreement history and annotator scores.
import { api, pollJob, problemText, readJson, showProgress } from "./api.js";
import { chart, pct } from "./charts.js";

const data = readJson("quality-data");
const L = data.labels;
const METRICS = ["percent_agreement", "fleiss_kappa", "krippendorff_alpha"];

const runs = data.history.map((h) => `#${h.run} ${h.control}`);
chart("agreement-chart", {
  grid: { left: 40, right: 16, top: 40, bottom: 50 },
  tooltip: { trigger: "axis" },
  legend: { top: 0 },
  xAxis: { type: "category", data: runs, axisLabel: { rotate: runs.length > 6 ? 30 : 0 } },
  yAxis: { type: "value", min: (v) => Math.min(0, v.min), max: 1 },
  series: METRICS.map((m) => ({ name: L[m], type: "line", connectNulls: true, data: data.history.map((h) => h[m]) })),
});

const names = data.workers.map((w) => w.name || w.worker);
chart("workers-chart", {
  grid: { left: 40, right: 16, top: 40, bottom: 40 },
  tooltip: { trigger: "axis", valueFormatter: (v) => (v == null ? "—" : `${v}%`) },
  legend: { top: 0 },
  xAxis: { type: "category", data: names },
  yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
  series: [
    { name: L.gold_accuracy, type: "bar", data: data.workers.map((w) => ({
      value: pct(w.gold_accuracy), itemStyle: { color: w.is_spam ? "#b3261e" : "#1d5fd1" } })) },
    { name: L.consensus_agreement, type: "bar", itemStyle: { color: "#7aa7ef" },
      data: data.workers.map((w) => pct(w.consensus_agreement)) },
  ],
});

const form = document.getElementById("quality-form");
const errorBox = document.getElementById("quality-error");
form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  errorBox.hidden = true;
  document.getElementById("quality-status").hidden = false;
  const bar = document.getElementById("quality-progress");
  const label = document.getElementById("quality-label");
  try {
    const started = await api(form.dataset.url, { method: "POST", json: { method: new FormData(form).get("method") } });
    const job = await pollJob(started, (j) => showProgress(bar, label, j));
    if (job.state === "succeeded") window.location.reload();
    else throw new Error(job.error || L.failed);
  } catch (err) {
    errorBox.textContent = problemText(err);
    errorBox.hidden = false;
  }
});
