// Shared helpers: JSON API calls with the CSRF header, translations from the page, DOM building
// without innerHTML (task data is never parsed as HTML), ids and Unicode offsets.

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
  // Every field message of a problem+json body, one per line.
  describe() {
    const errs = (this.body?.errors || []).map((e) => `${e.field}: ${e.message}`);
    return [this.message, ...errs].join("\n");
  }
}

export async function api(method, path, body) {
  // Accept-Language: the API's problems in the page's language (it answers English unless asked)
  const opts = { method, credentials: "same-origin",
    headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang || "en" } };
  if (method !== "GET") opts.headers["X-CSRF-Token"] = csrf();
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch("/api/v1" + path, opts);
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// JSON embedded by the server in <script type="application/json"> blocks (not executed, CSP-safe).
export function pageData(id) {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : null;
}

let STRINGS = null;
// Translate a UI string: the page embeds the catalogue's translations of every string the scripts use.
export function t(key, values) {
  if (STRINGS === null) STRINGS = pageData("annotate-strings") || {};
  let s = STRINGS[key] ?? key;
  if (values) for (const [k, v] of Object.entries(values)) s = s.replace(`%(${k})s`, String(v));
  return s;
}

// h("button.primary", {type: "button", onclick}, "text", child) — text children become text nodes.
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split(".");
  const el = document.createElement(name || "div");
  if (classes.length) el.className = classes.join(" ");
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style" && typeof v === "object") for (const [p, x] of Object.entries(v)) el.style.setProperty(p, x);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function svg(tag, attrs) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  return el;
}

let seq = 0;
export function newId(prefix) {
  seq += 1;
  return `${prefix}${Date.now().toString(36)}${seq}`;
}

// Python string indices count code points; JS strings count UTF-16 units (emoji are two).
export function cpLength(s) {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
}
export const cpSlice = (s, start, end) => Array.from(s).slice(start, end).join("");
export function u16ToCp(s, u16) {
  return cpLength(s.slice(0, u16));
}

export const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
export const round = (v, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

// Media fields: guessed from the key name or the file extension (task data carries plain strings).
const EXT = {
  image: /\.(png|jpe?g|gif|webp|bmp|svg|avif)(\?|$)/i,
  audio: /\.(wav|mp3|ogg|oga|flac|m4a|aac|opus)(\?|$)/i,
  video: /\.(mp4|webm|ogv|mov|mkv)(\?|$)/i,
};
export function mediaKind(key, value) {
  if (typeof value !== "string") return null;
  for (const [kind, re] of Object.entries(EXT)) if (re.test(value)) return kind;
  for (const kind of Object.keys(EXT)) if (key.toLowerCase().includes(kind)) return kind;
  if (value.startsWith("data:image/")) return "image";
  return null;
}

// Only URLs a browser here can load (same origin or http(s)); s3:// and the like are shown as text.
export function loadable(url) {
  return typeof url === "string" && (/^(https?:|data:image\/|blob:)/.test(url) || url.startsWith("/"));
}

// Stable colours per label, so the same label looks the same everywhere.
const PALETTE = ["#1d5fd1", "#c2410c", "#15803d", "#9333ea", "#b91c1c", "#0e7490", "#a16207", "#be185d", "#4d7c0f"];
export function labelColor(labels, label) {
  const i = Math.max(0, (labels || []).indexOf(label));
  return PALETTE[i % PALETTE.length];
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.flush = () => {
    clearTimeout(timer);
    fn();
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

export function announce(msg, kind = "info") {
  const box = document.getElementById("annotate-status");
  if (!box) return;
  box.textContent = msg;
  box.dataset.kind = kind;
}

export function isTyping(e) {
  const el = e.target;
  if (!el) return false;
  if (el.tagName === "INPUT") return !["radio", "checkbox", "button", "submit", "range"].includes(el.type);
  return el.isContentEditable || ["TEXTAREA", "SELECT"].includes(el.tagName);
}
