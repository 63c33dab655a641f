// Time-based widgets: audio segments on a waveform (wavesurfer.js + regions) and video segments on
// a native <video> (mark in/out at the playhead, frame stepping). Times are seconds, 3 decimals.
import RegionsPlugin from "/static/vendor/wavesurfer.js/regions.esm.js";
import WaveSurfer from "/static/vendor/wavesurfer.js/wavesurfer.esm.js";
import { clone, h, labelColor, loadable, newId, round, t } from "./util.js";

const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2];
const r3 = (v) => round(v, 3);

function alpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

function speedSelect(onRate) {
  return h("label.row", {}, h("span", {}, t("Speed")),
    h("select", { "aria-label": t("Playback speed"), onchange: (e) => onRate(Number(e.target.value)) },
      ...SPEEDS.map((s) => h("option", { value: s, selected: s === 1 }, `${s}×`))));
}

function labelBar(labels, onPick) {
  let current = labels[0];
  const bar = h("div.labelbar", { role: "radiogroup", "aria-label": t("Label") }, ...labels.map((l, i) =>
    h("button.label", { type: "button", role: "radio", "data-label": l, style: { "--mark": labelColor(labels, l) }, onclick: () => pick(l) },
      i < 9 ? h("kbd", {}, String(i + 1)) : null, l)));
  function pick(l) {
    current = l;
    for (const b of bar.children) b.setAttribute("aria-checked", String(b.dataset.label === l));
    onPick?.(l);
  }
  pick(current);
  return { el: bar, get: () => current, pick };
}

// The list of segments under the player: label, start/end editable by keyboard, per-segment text.
function segmentList(labels, transcribe, { onEdit, onDelete, onSeek, readOnly }) {
  const list = h("ul.regionlist.segments", { "aria-label": t("Segments") });
  function render(segments) {
    list.replaceChildren(...segments.map((s, i) => {
      const num = (key) => h("input", { type: "number", step: "0.01", min: 0, value: s[key], readonly: readOnly,
        "aria-label": `${key === "start" ? t("Start") : t("End")} ${i + 1}`,
        onchange: (e) => { const v = Number(e.target.value); if (Number.isFinite(v)) onEdit(s, { [key]: r3(v) }); } });
      return h("li", { "data-id": s.id, style: { "--mark": labelColor(labels, s.label) } },
        h("button.linkish", { type: "button", onclick: () => onSeek(s) }, `▶ ${i + 1}`),
        h("select", { disabled: readOnly, "aria-label": t("Label of segment %(n)s", { n: i + 1 }), onchange: (e) => onEdit(s, { label: e.target.value }) },
          ...labels.map((l) => h("option", { value: l, selected: l === s.label }, l))),
        num("start"), h("span", {}, "–"), num("end"), h("span", {}, "s"),
        transcribe ? h("input.segtext", { type: "text", value: s.text ?? "", readonly: readOnly, "aria-label": t("Text of segment %(n)s", { n: i + 1 }),
          oninput: (e) => onEdit(s, { text: e.target.value }, true) }) : null,
        readOnly ? null : h("button.del", { type: "button", "aria-label": t("Delete segment %(n)s", { n: i + 1 }), onclick: () => onDelete(s) }, "×"));
    }));
  }
  return { el: list, render };
}

function segmentValue(segments, transcribe, required) {
  if (!segments.length && required === false) return null;
  return {
    segments: segments.map((s) => {
      const out = { id: s.id, start: s.start, end: s.end, label: s.label };
      if (transcribe && s.text) out.text = s.text;
      return out;
    }),
  };
}

export function audioSegmentsWidget({ control, data, changed, readOnly }) {
  const labels = control.labels;
  const transcribe = !!control.transcribe;
  let segments = [];
  let markIn = null;
  const url = data?.[control.to];
  const wave = h("div.wave", { tabindex: "0", "aria-label": t("Waveform: drag to mark a segment") });
  const time = h("output.time", { "aria-live": "off" }, "0.00 s");
  const picker = labelBar(labels, () => {});
  const playBtn = h("button", { type: "button", onclick: () => ws?.playPause() }, t("Play / pause"), " ", h("kbd", {}, t("Space")));
  const inBtn = h("button", { type: "button", onclick: () => mark("in") }, t("Mark in"), " ", h("kbd", {}, "["));
  const outBtn = h("button", { type: "button", onclick: () => mark("out") }, t("Mark out"), " ", h("kbd", {}, "]"));
  const list = segmentList(labels, transcribe, {
    readOnly,
    onEdit(s, patch, typing) {
      Object.assign(s, patch);
      if (!typing) syncRegions();
      changed();
    },
    onDelete(s) { segments = segments.filter((x) => x !== s); syncRegions(); changed(); },
    onSeek(s) { if (ws) { ws.setTime(s.start); ws.play(); } },
  });
  const el = h("div.widget.audio", {}, readOnly ? null : picker.el, wave,
    h("div.row", {}, playBtn, readOnly ? null : inBtn, readOnly ? null : outBtn, time, speedSelect((r) => ws?.setPlaybackRate(r, true))),
    loadable(url) ? null : h("p.note", {}, t("This audio cannot be played here: %(url)s", { url: String(url) })), list.el);

  const regions = RegionsPlugin.create();
  let ws = null;
  let ready = false;
  let syncing = false;
  if (loadable(url)) {
    ws = WaveSurfer.create({ container: wave, url, height: 96, waveColor: "#9aa8bb", progressColor: "#1d5fd1", cursorColor: "#c2410c", plugins: [regions] });
    ws.on("timeupdate", (s) => { time.textContent = `${s.toFixed(2)} s`; });
    ws.on("ready", () => { ready = true; el.dataset.ready = "1"; syncRegions(); });
    if (!readOnly) regions.enableDragSelection({ color: alpha(labelColor(labels, labels[0]), 0.25) });
    regions.on("region-created", (region) => {
      if (syncing || segments.some((s) => s.id === region.id)) return;
      const s = { id: newId("a"), start: r3(region.start), end: r3(region.end), label: picker.get() };
      segments.push(s);
      region.remove(); // redrawn with the segment's id, colour and label
      syncRegions();
      changed();
    });
    regions.on("region-updated", (region) => {
      const s = segments.find((x) => x.id === region.id);
      if (!s) return;
      Object.assign(s, { start: r3(region.start), end: r3(region.end) });
      list.render(segments);
      changed();
    });
  }

  function syncRegions() {
    segments.sort((a, b) => a.start - b.start);
    list.render(segments);
    if (!ws || !ready) return;
    syncing = true;
    regions.clearRegions();
    for (const s of segments) {
      const tag = h("span.seglabel", {}, s.label);
      regions.addRegion({ id: s.id, start: s.start, end: s.end, color: alpha(labelColor(labels, s.label), 0.25), content: tag, drag: !readOnly, resize: !readOnly });
    }
    syncing = false;
  }
  function mark(which) {
    if (!ws || readOnly) return;
    const now = r3(ws.getCurrentTime());
    if (which === "in") { markIn = now; time.textContent = `${t("In")}: ${now.toFixed(2)} s`; return; }
    const start = markIn ?? 0;
    if (now > start) {
      segments.push({ id: newId("a"), start, end: now, label: picker.get() });
      markIn = null;
      syncRegions();
      changed();
    }
  }
  return {
    el,
    get: () => segmentValue(segments, transcribe, control.required),
    set(v) { segments = clone(v?.segments || []).map((s) => ({ ...s, id: String(s.id ?? newId("a")) })); syncRegions(); },
    key(e) {
      if (e.key === " ") { ws?.playPause(); return true; }
      if (readOnly) return false;
      if (e.key === "[") { mark("in"); return true; }
      if (e.key === "]") { mark("out"); return true; }
      if (/^[1-9]$/.test(e.key) && labels[Number(e.key) - 1] !== undefined) { picker.pick(labels[Number(e.key) - 1]); return true; }
      return false;
    },
    destroy: () => ws?.destroy(),
  };
}

export function videoSegmentsWidget({ control, data, changed, readOnly }) {
  const labels = control.labels;
  const fps = control.fps || 25;
  let segments = [];
  let markIn = null;
  const url = data?.[control.to];
  const video = h("video", { controls: true, preload: "metadata", src: loadable(url) ? url : null, "aria-label": t("Task video") });
  const time = h("output.time", {}, "0.000 s");
  video.addEventListener("timeupdate", () => { time.textContent = `${video.currentTime.toFixed(3)} s · ${t("frame")} ${Math.round(video.currentTime * fps)}`; });
  const picker = labelBar(labels, () => {});
  const step = (n) => { video.pause(); video.currentTime = Math.max(0, video.currentTime + n / fps); };
  const list = segmentList(labels, false, {
    readOnly,
    onEdit(s, patch) { Object.assign(s, patch); list.render(segments); changed(); },
    onDelete(s) { segments = segments.filter((x) => x !== s); list.render(segments); changed(); },
    onSeek(s) { video.currentTime = s.start; video.play(); },
  });
  function mark(which) {
    const now = r3(video.currentTime);
    if (which === "in") { markIn = now; time.textContent = `${t("In")}: ${now.toFixed(3)} s`; return; }
    const start = markIn ?? 0;
    if (now > start) {
      segments.push({ id: newId("v"), start, end: now, label: picker.get() });
      segments.sort((a, b) => a.start - b.start);
      markIn = null;
      list.render(segments);
      changed();
    }
  }
  const el = h("div.widget.video", {}, readOnly ? null : picker.el, video,
    h("div.row", {},
      h("button", { type: "button", "aria-label": t("Previous frame"), onclick: () => step(-1) }, "◀ ", h("kbd", {}, ",")),
      h("button", { type: "button", "aria-label": t("Next frame"), onclick: () => step(1) }, h("kbd", {}, "."), " ▶"),
      readOnly ? null : h("button", { type: "button", onclick: () => mark("in") }, t("Mark in"), " ", h("kbd", {}, "[")),
      readOnly ? null : h("button", { type: "button", onclick: () => mark("out") }, t("Mark out"), " ", h("kbd", {}, "]")),
      time, speedSelect((r) => { video.playbackRate = r; })),
    loadable(url) ? null : h("p.note", {}, t("This video cannot be played here: %(url)s", { url: String(url) })), list.el);
  return {
    el,
    get: () => segmentValue(segments, false, control.required),
    set(v) { segments = clone(v?.segments || []).map((s) => ({ ...s, id: String(s.id ?? newId("v")) })); list.render(segments); },
    key(e) {
      if (e.key === " ") { if (video.paused) video.play(); else video.pause(); return true; }
      if (e.key === ",") { step(-1); return true; }
      if (e.key === ".") { step(1); return true; }
      if (readOnly) return false;
      if (e.key === "[") { mark("in"); return true; }
      if (e.key === "]") { mark("out"); return true; }
      if (/^[1-9]$/.test(e.key) && labels[Number(e.key) - 1] !== undefined) { picker.pick(labels[Number(e.key) - 1]); return true; }
      return false;
    },
  };
}
