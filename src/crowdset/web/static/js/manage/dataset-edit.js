// Create a dataset or change its metadata through the API; a PATCH sends only what changed.
import { api, problemText } from "./api.js";

const form = document.getElementById("dataset-form");
const values = () => Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, String(v)]));
const initial = values();

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const now = values();
  const creating = form.dataset.method === "POST";
  const body = creating ? now : Object.fromEntries(Object.entries(now).filter(([k, v]) => initial[k] !== v));
  const box = document.getElementById("dataset-error");
  box.hidden = true;
  try {
    const ds = Object.keys(body).length ? await api(form.dataset.url, { method: form.dataset.method, json: body }) : null;
    window.location.assign(`/datasets/${ds ? ds.id : form.dataset.url.split("/").pop()}`);
  } catch (err) {
    box.textContent = problemText(err);
    box.hidden = false;
  }
});
