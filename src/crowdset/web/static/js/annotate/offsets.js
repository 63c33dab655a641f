// Text offsets between the text-annotator and our results. The annotator's W3C selectors
// (TextPositionSelector start/end) count UTF-16 units of the text element's content, as JS strings do;
// our spans count Python code points (docs/label-schemas.md), so an emoji is 2 there and 1 here.

// Conversions for one text, both ways; built once per text (O(n)), then O(1) per offset.
export function offsetIndex(text) {
  const cpAt = new Int32Array(text.length + 1); // UTF-16 index -> code point index
  const u16At = [0]; // code point index -> UTF-16 index
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    cpAt[i] = cp;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        cpAt[i + 1] = cp; // inside a pair: rounds down to the pair's start
        i += 1;
      }
    }
    cp += 1;
    u16At.push(i + 1);
  }
  cpAt[text.length] = cp;
  return {
    length: cp,
    toCp: (u16) => cpAt[Math.max(0, Math.min(text.length, u16))],
    toU16: (c) => u16At[Math.max(0, Math.min(cp, c))],
    // An end offset inside a surrogate pair takes the whole character.
    toCpEnd: (u16) => {
      const i = Math.max(0, Math.min(text.length, u16));
      return i > 0 && cpAt[i] === cpAt[i - 1] ? cpAt[i] + 1 : cpAt[i];
    },
  };
}

function selectors(annotation) {
  const targets = [].concat(annotation?.target ?? []);
  return targets.flatMap((t) => [].concat(t?.selector ?? []));
}

// A W3C text annotation -> {start, end, text} in code points, or null when it has no usable position.
// Leading/trailing whitespace is left out (a double-click often takes a trailing space). When the quote
// does not match the position (the text element changed under the annotator), the quote wins if it
// occurs in the text: the nearest occurrence to the position.
export function fromW3C(text, index, annotation) {
  const sels = selectors(annotation);
  const pos = sels.find((s) => s.type === "TextPositionSelector" || (s.start !== undefined && s.end !== undefined));
  const quote = sels.find((s) => s.type === "TextQuoteSelector")?.exact ?? pos?.quote;
  if (!pos || !Number.isInteger(pos.start) || !Number.isInteger(pos.end)) return null;
  let s16 = pos.start;
  let e16 = pos.end;
  if (quote && text.slice(s16, e16) !== quote) {
    let best = -1;
    for (let at = text.indexOf(quote); at >= 0; at = text.indexOf(quote, at + 1)) {
      if (best < 0 || Math.abs(at - pos.start) < Math.abs(best - pos.start)) best = at;
    }
    if (best >= 0) [s16, e16] = [best, best + quote.length];
  }
  s16 = Math.max(0, s16);
  e16 = Math.min(text.length, e16);
  while (s16 < e16 && /\s/.test(text[s16])) s16 += 1;
  while (e16 > s16 && /\s/.test(text[e16 - 1])) e16 -= 1;
  if (s16 >= e16) return null;
  const start = index.toCp(s16);
  const end = index.toCpEnd(e16);
  return { start, end, text: text.slice(index.toU16(start), index.toU16(end)) };
}

// One of our spans -> a W3C annotation the annotator can show (label as a tagging body).
export function toW3C(index, span, source) {
  const start = index.toU16(span.start);
  const end = index.toU16(span.end);
  return {
    "@context": "http://www.w3.org/ns/anno.jsonld",
    id: span.id,
    type: "Annotation",
    body: [{ type: "TextualBody", purpose: "tagging", value: span.label }],
    target: {
      source,
      selector: [
        { type: "TextQuoteSelector", exact: span.text },
        { type: "TextPositionSelector", start, end },
      ],
    },
  };
}

// The label of an annotation in the annotator's own model (bodies) or in W3C form (body).
export function labelOf(annotation) {
  const bodies = annotation?.bodies ?? [].concat(annotation?.body ?? []);
  return bodies.find((b) => b.purpose === "tagging")?.value;
}
