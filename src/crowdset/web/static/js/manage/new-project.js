// New project: a schema builder (controls of every kind, live JSON and task preview) or a pasted
// Label Studio config; the API validates and creates, and its field errors are shown as they come.
import { api, el, problemText, readJson } from "./api.js";
import { renderPreview } from "./preview.js";
import { KINDS, cleanSchema, newControl, splitList } from "./schema-kinds.js";

const t = readJson("i18n");
const form = document.getElementById("new-project");
const list = document.getElementById("controls");
const jsonOut = document.getElementById("json-preview");
const taskOut = document.getElementById("task-preview");
const errorBox = document.getElementById("form-error");
const xml = document.getElementById("ls-xml");
let controls = [];
let mode = "builder";

function refresh() {
  if (mode === "xml") {
    jsonOut.textContent = t.xml_note;
    taskOut.replaceChildren(el("p", { class: "hint", text: t.xml_note }));
    return;
  }
  jsonOut.textContent = JSON.stringify(cleanSchema(controls), null, 2);
  renderPreview(taskOut, controls, t);
}

function input(label, value, onChange, attrs = {}) {
  const inp = el("input", { value: value ?? "", ...attrs });
  inp.addEventListener("input", () => { onChange(inp.value); refresh(); });
  return el("label", {}, label, inp);
}

function checkbox(label, checked, onChange) {
  const inp = el("input", { type: "checkbox", checked: !!checked });
  inp.addEventListener("change", () => { onChange(inp.checked); refresh(); });
  return el("label", { class: "check" }, inp, ` ${label}`);
}

function listArea(label, values, onChange) {
  const area = el("textarea", { rows: 3 });
  area.value = (values || []).join("\n");
  area.addEventListener("input", () => { onChange(splitList(area.value)); refresh(); });
  return el("label", {}, label, area);
}

function number(label, value, onChange, step = "1") {
  return input(label, value, (v) => onChange(v === "" ? "" : Number(v)), { type: "number", step });
}

function fieldEditor(c, f, type) {
  const set = (v) => { c[f] = v; };
  switch (type) {
    case "list": return listArea(t[f] || f, c[f], set);
    case "bool": return checkbox(t[f] || f, c[f], set);
    case "int": return number(t[f] || f, c[f], set);
    case "num": return number(t[f] || f, c[f], set, "any");
    case "field": return input(t[f] || f, c[f], set);
    case "pair": return el("div", { class: "row" },
      number(`${t.min}`, c[f]?.[0], (v) => { c[f] = [v, c[f]?.[1] ?? 5]; }),
      number(`${t.max}`, c[f]?.[1], (v) => { c[f] = [c[f]?.[0] ?? 1, v]; }));
    case "spans": {
      const sel = el("select", {}, el("option", { value: "", text: "—" }),
        ...controls.filter((o) => o.kind === "spans").map((o) => el("option", { value: o.name, text: o.name, selected: o.name === c[f] })));
      sel.addEventListener("change", () => { c[f] = sel.value; refresh(); });
      return el("label", {}, t.spans, sel);
    }
    default: return el("span");
  }
}

function card(c, i) {
  const spec = KINDS[c.kind];
  const remove = el("button", { type: "button", class: "link", text: t.remove, "aria-label": `${t.remove} ${c.name}` });
  remove.addEventListener("click", () => { controls.splice(i, 1); draw(); });
  const up = el("button", { type: "button", class: "link", text: "↑", title: t.up, "aria-label": t.up, disabled: i === 0 });
  up.addEventListener("click", () => { [controls[i - 1], controls[i]] = [controls[i], controls[i - 1]]; draw(); });
  const parts = [
    el("div", { class: "card-head" }, el("strong", { text: c.kind }), el("span", { class: "spacer" }), up, remove),
    el("div", { class: "row" },
      input(t.name, c.name, (v) => { c.name = v.trim(); }, { "data-field": "name" }),
      input(t.title, c.title, (v) => { c.title = v; })),
  ];
  if (spec.to === "pair") {
    parts.push(el("div", { class: "row" },
      input(t.left, c.to[0], (v) => { c.to = [v.trim(), c.to[1]]; }),
      input(t.right, c.to[1], (v) => { c.to = [c.to[0], v.trim()]; })));
  } else if (spec.to) {
    parts.push(input(t.to, c.to, (v) => { c.to = v.trim(); }));
  }
  for (const [f, type] of Object.entries(spec.fields)) parts.push(fieldEditor(c, f, type));
  return el("li", { class: "control-card", "data-kind": c.kind }, ...parts);
}

function draw() {
  list.replaceChildren(...controls.map(card));
  refresh();
}

document.getElementById("add-control").addEventListener("click", () => {
  const kind = document.getElementById("new-kind").value;
  controls.push(newControl(kind, new Set(controls.map((c) => c.name))));
  draw();
});

for (const [id, name] of [["mode-builder", "builder"], ["mode-xml", "xml"]]) {
  document.getElementById(id).addEventListener("click", () => {
    mode = name;
    document.getElementById("mode-builder").setAttribute("aria-selected", String(name === "builder"));
    document.getElementById("mode-xml").setAttribute("aria-selected", String(name === "xml"));
    document.getElementById("builder-pane").hidden = name !== "builder";
    document.getElementById("xml-pane").hidden = name !== "xml";
    refresh();
  });
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  errorBox.hidden = true;
  const fd = new FormData(form);
  const body = {
    title: String(fd.get("title") || "").trim(),
    instructions: String(fd.get("instructions") || ""),
    overlap: Number(fd.get("overlap") || 1),
    gold_ratio: Number(fd.get("gold_ratio") || 0),
    review_policy: String(fd.get("review_policy") || "none"),
  };
  if (!body.title) {
    errorBox.textContent = t.title_required;
    errorBox.hidden = false;
    return;
  }
  if (mode === "xml") body.labelstudio_config = xml.value;
  else body.schema = cleanSchema(controls);
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    const project = await api("/api/v1/projects", { method: "POST", json: body });
    window.location.assign(`/projects/${project.id}/import`);
  } catch (err) {
    errorBox.textContent = problemText(err);
    errorBox.hidden = false;
  } finally {
    submit.disabled = false;
  }
});

draw();
