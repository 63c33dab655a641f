// ECharts helpers: echarts.min.js is a classic script loaded before the page module (window.echarts).

const charts = [];
window.addEventListener("resize", () => charts.forEach((c) => c.resize()));

/** Draw `option` into the element with id `id` (nothing when the element is absent). */
export function chart(id, option) {
  const node = document.getElementById(id);
  if (!node || !window.echarts) return null;
  const c = window.echarts.init(node, null, { renderer: "svg" });
  c.setOption({ animation: false, textStyle: { fontFamily: "system-ui, 'Noto Sans CJK SC', sans-serif" }, ...option });
  charts.push(c);
  return c;
}

export const pct = (v) => (v == null ? null : Math.round(v * 1000) / 10);
