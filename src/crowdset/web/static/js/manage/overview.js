// Project progress: throughput per day as a bar chart (the tables are server-rendered).
import { readJson } from "./api.js";
import { chart } from "./charts.js";

const data = readJson("stats-data");
chart("throughput-chart", {
  grid: { left: 40, right: 16, top: 16, bottom: 40 },
  tooltip: { trigger: "axis" },
  xAxis: { type: "category", data: data.throughput.map((d) => d.date) },
  yAxis: { type: "value", minInterval: 1 },
  series: [{ name: data.label, type: "bar", data: data.throughput.map((d) => d.submitted), itemStyle: { color: "#1d5fd1" } }],
});
