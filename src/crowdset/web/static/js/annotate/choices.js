// Form-like widgets: choices (keys 1–9), Likert rating, free transcription.
import { h, t } from "./util.js";

export function choicesWidget({ control, changed, readOnly }) {
  const multiple = !!control.multiple;
  let picked = [];
  const name = `c-${control.name}`;
  const inputs = control.options.map((opt, i) => {
    const input = h("input", { type: multiple ? "checkbox" : "radio", name, value: opt, disabled: readOnly,
      onchange: () => { picked = inputs.filter((x) => x.input.checked).map((x) => x.input.value); changed(); } });
    return { input, label: h("label.choice", {}, input, i < 9 ? h("kbd", {}, String(i + 1)) : null, opt) };
  });
  const el = h("fieldset.widget.choices", {}, h("legend", {}, control.title || control.name),
    ...inputs.map((x) => x.label));
  const sync = () => inputs.forEach(({ input }) => { input.checked = picked.includes(input.value); });
  return {
    el,
    get: () => (picked.length ? { choices: [...picked] } : null),
    set(v) { picked = [...(v?.choices || [])]; sync(); },
    key(e) {
      if (readOnly || !/^[1-9]$/.test(e.key)) return false;
      const opt = control.options[Number(e.key) - 1];
      if (opt === undefined) return false;
      if (multiple) picked = picked.includes(opt) ? picked.filter((x) => x !== opt) : [...picked, opt];
      else picked = [opt];
      sync();
      changed();
      return true;
    },
  };
}

// A row of toggle buttons for an integer scale (rating, cot final rating, alignment score).
export function scale(min, max, label, onPick, readOnly) {
  let value = null;
  const group = h("div.scale", { role: "radiogroup", "aria-label": label });
  const buttons = [];
  for (let v = min; v <= max; v++) {
    buttons.push(h("button.scalebtn", { type: "button", role: "radio", "data-value": v, disabled: readOnly,
      onclick: () => { set(v); onPick(v); } }, String(v)));
  }
  group.append(...buttons);
  function set(v) {
    value = v;
    for (const b of buttons) b.setAttribute("aria-checked", String(Number(b.dataset.value) === v));
  }
  set(null);
  return { el: group, get: () => value, set };
}

export function ratingWidget({ control, changed, readOnly }) {
  const min = control.min ?? 1;
  const max = control.max ?? 5;
  const s = scale(min, max, control.title || control.name, () => changed(), readOnly);
  const el = h("div.widget.rating", {}, h("div.legend", {}, control.title || control.name,
    h("small", {}, ` (${min}–${max})`)), s.el);
  return {
    el,
    get: () => (s.get() === null ? null : { value: s.get() }),
    set: (v) => s.set(v?.value ?? null),
    key(e) {
      if (readOnly || !/^[0-9]$/.test(e.key)) return false;
      const v = Number(e.key);
      if (v < min || v > max) return false;
      s.set(v);
      changed();
      return true;
    },
  };
}

export function transcriptionWidget({ control, changed, readOnly }) {
  const area = h("textarea", { rows: 4, "aria-label": control.title || t("Transcription"), readonly: readOnly,
    maxlength: control.max_length ?? null, oninput: () => changed() });
  const el = h("label.widget.transcription.stack", {}, h("span", {}, control.title || control.name), area);
  return {
    el,
    get: () => (area.value.trim() || control.required !== false ? { text: area.value } : null),
    // Shorter than min_length after stripping (code points, as the server counts): "still to do" in
    // the page rather than a schema error from the server.
    complete: () => Array.from(area.value.trim()).length >= (control.min_length ?? 0),
    set: (v) => { area.value = v?.text ?? ""; },
  };
}
