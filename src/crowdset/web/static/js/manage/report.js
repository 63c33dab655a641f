// Evaluation report: radar of the three dimensions and one bar per indicator (score 0–100).
import { readJson } from "./api.js";
import { chart } from "./charts.js";

const data = readJson("report-data");
const dims = Object.keys(data.dimensions);
const GRADE = (v) => (v == null ? "#a0aec0" : v >= 90 ? "#1a7f37" : v >= 80 ? "#2f6fdb" : v >= 60 ? "#b7791f" : "#c53030");

chart("radar-chart", {
  tooltip: {},
  radar: {
    indicator: dims.map((d) => ({ name: data.dimension_names[d] || d, max: 100 })),
    splitNumber: 5,
    radius: "65%",
  },
  series: [{
    type: "radar",
    areaStyle: { opacity: 0.25 },
    data: [{ value: dims.map((d) => data.dimensions[d] ?? 0), name: data.score }],
  }],
});

const rows = data.indicators;
chart("indicator-chart", {
  grid: { left: 120, right: 30, top: 10, bottom: 30 },
  tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
  xAxis: { type: "value", max: 100 },
  yAxis: { type: "category", inverse: true, data: rows.map((r) => `${r.code} ${r.name || ""}`),
           axisLabel: { width: 110, overflow: "truncate" } },
  series: [{
    type: "bar", name: data.score,
    data: rows.map((r) => ({ value: r.x, itemStyle: { color: GRADE(r.x) } })),
    label: { show: true, position: "right", formatter: (p) => (p.value == null ? "—" : p.value) },
  }],
});
