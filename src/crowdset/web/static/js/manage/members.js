// Add and remove project members through the API, then reload the server-rendered list.
import { api, problemText } from "./api.js";

const form = document.getElementById("member-form");
const errorBox = document.getElementById("member-error");

function fail(err) {
  errorBox.textContent = problemText(err);
  errorBox.hidden = false;
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const fd = new FormData(form);
  try {
    await api(form.dataset.url, { method: "POST", json: { user_id: Number(fd.get("user_id")), role: fd.get("role") } });
    window.location.reload();
  } catch (err) { fail(err); }
});

document.getElementById("member-table").addEventListener("click", async (ev) => {
  const btn = ev.target.closest("[data-remove]");
  if (!btn) return;
  btn.disabled = true;
  try {
    await api(btn.dataset.remove, { method: "DELETE" });
    btn.closest("tr").remove();
  } catch (err) { btn.disabled = false; fail(err); }
});
