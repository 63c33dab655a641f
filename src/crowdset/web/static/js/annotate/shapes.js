// Between our region results (docs/label-schemas.md: pixels of the original image when the value has
// image_width/height, else 0–100 percent with "unit": "percent", as Label Studio) and Annotorious
// annotations (shapes in pixels of the image's natural size). No DOM here: pure conversions.
import { clone, round } from "./util.js";

export const KEY = { bbox: "boxes", polygon: "polygons", keypoints: "keypoints" };
const SHAPE = { bbox: "RECTANGLE", polygon: "POLYGON" };
const RAD = Math.PI / 180;

// The regions of a value in pixels, whichever unit it was given in.
export function toPixels(kind, value, nw, nh) {
  const regions = clone(value?.[KEY[kind]] || []);
  if (value?.unit !== "percent") return regions;
  const sx = nw / 100;
  const sy = nh / 100;
  for (const r of regions) {
    if (kind === "polygon") r.points = r.points.map(([x, y]) => [x * sx, y * sy]);
    else { r.x *= sx; r.y *= sy; }
    if (kind === "bbox") { r.width *= sx; r.height *= sy; }
  }
  return regions;
}

const boundsOf = (points) => {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return { minX: Math.min(...xs), minY: Math.min(...ys), maxX: Math.max(...xs), maxY: Math.max(...ys) };
};

// Our boxes rotate (degrees, clockwise) about their top-left corner, as Label Studio's; Annotorious
// rectangles rotate (radians) about their centre. Same rectangle, other anchor.
export function boxGeometry({ x, y, width, height, rotation }) {
  const rot = (rotation || 0) * RAD;
  const [c, s] = [Math.cos(rot), Math.sin(rot)];
  const cx = x + (width / 2) * c - (height / 2) * s;
  const cy = y + (width / 2) * s + (height / 2) * c;
  const corners = [[0, 0], [width, 0], [width, height], [0, height]].map(([dx, dy]) => [x + dx * c - dy * s, y + dx * s + dy * c]);
  const g = { x: cx - width / 2, y: cy - height / 2, w: width, h: height, bounds: boundsOf(corners) };
  if (rot) g.rot = rot;
  return g;
}

export function boxOf(g) {
  const rot = g.rot || 0;
  const [c, s] = [Math.cos(rot), Math.sin(rot)];
  const cx = g.x + g.w / 2;
  const cy = g.y + g.h / 2;
  const x = cx - (g.w / 2) * c + (g.h / 2) * s;
  const y = cy - (g.w / 2) * s - (g.h / 2) * c;
  let deg = round(rot / RAD, 2) % 360;
  if (deg < 0) deg += 360;
  return { x: round(x), y: round(y), width: round(g.w), height: round(g.h), rotation: deg };
}

// One of our bbox/polygon regions (pixels) as an Annotorious annotation with id `aid`. Labels are
// not kept in Annotorious: the widget keeps them by annotation id.
export function toAnnotation(kind, aid, r) {
  const geometry = kind === "bbox" ? boxGeometry(r) : { points: r.points.map(([x, y]) => [x, y]), bounds: boundsOf(r.points) };
  return { id: aid, bodies: [], target: { annotation: aid, selector: { type: SHAPE[kind], geometry } } };
}

// An Annotorious annotation back into our region (pixels, rounded to 0.01 px).
export function fromAnnotation(a, id, label) {
  const sel = a.target.selector;
  if (sel.type === "RECTANGLE") {
    const { x, y, width, height, rotation } = boxOf(sel.geometry);
    return { id, x, y, width, height, label, rotation };
  }
  return { id, points: sel.geometry.points.map(([x, y]) => [round(x), round(y)]), label };
}
