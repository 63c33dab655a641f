// JSON API calls from pages: the session cookie authenticates, the CSRF header proves the page, and
// Accept-Language asks for the page's language (the API answers in English unless asked otherwise).

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** Fetch `url` and return the parsed JSON (null for 204); a problem+json answer throws ApiError. */
export async function api(url, { method = "GET", json, body } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": document.documentElement.lang || "en" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf();
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  const res = await fetch(url, { method, headers, body, credentials: "same-origin" });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Poll a job until it finishes; `onTick(job)` after every read. Resolves with the final job. */
export async function pollJob(job, onTick = () => {}, everyMs = 500) {
  onTick(job);
  while (job.state === "queued" || job.state === "running") {
    await new Promise((r) => setTimeout(r, everyMs));
    job = await api(job.url);
    onTick(job);
  }
  return job;
}

/** Set a <progress>/label pair from a job. */
export function showProgress(bar, label, job) {
  if (bar) bar.value = Math.round(job.percent ?? 0);
  if (label) label.textContent = `${Math.round(job.percent ?? 0)}% ${job.message || ""}`.trim();
}

/** Text for an error: the problem's detail plus each field error on its own line. */
export function problemText(err) {
  const p = err?.problem || {};
  const lines = [err?.message || String(err)];
  for (const e of p.errors || []) lines.push(`${e.row != null ? `#${e.row} ` : ""}${e.field}: ${e.message}`);
  return lines.join("\n");
}

/** Messages the template put in <script type="application/json" id="...">. */
export function readJson(id) {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : {};
}

/** Create an element with text (never innerHTML with user content). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}
