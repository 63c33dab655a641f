// ECharts helpers: echarts.min.js is a classic script loaded before the page module (window.echarts).

const charts = [];
window.addEventListener("resize", () => charts.forEach((c) => c.resize()));

// The page's font stack (crowdset.css --font: the shipped "Crowdset Sans SC" first), so chart labels
// read like the page on machines without a CJK system font.
const fontFamily = () => getComputedStyle(document.documentElement).getPropertyValue("--font").trim() || "sans-serif";

/** Draw `option` into the element with id `id` (nothing when the element is absent). The chart is
 * drawn once the web fonts are loaded (ECharts measures its labels when it lays them out), so the
 * layout is made with the shipped font rather than a fallback. */
export function chart(id, option) {
  const node = document.getElementById(id);
  if (!node || !window.echarts) return null;
  const c = window.echarts.init(node, null, { renderer: "svg" });
  charts.push(c);
  document.fonts.ready.then(() => {
    c.setOption({ animation: false, textStyle: { fontFamily: fontFamily() }, ...option });
  });
  return c;
}

export const pct = (v) => (v == null ? null : Math.round(v * 1000) / 10);
