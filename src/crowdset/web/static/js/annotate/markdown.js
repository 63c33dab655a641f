// A small Markdown subset for LLM responses, built as DOM nodes: the text is never parsed as HTML,
// so a response containing <script> or an onerror attribute shows up as plain text.
// Supports headings, paragraphs, fenced code, lists, blockquotes, **bold**, *italic*, `code`, links.
import { h } from "./util.js";

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*)|(\[[^\]]+\]\([^)\s]+\))/;

function inline(text) {
  const out = [];
  let rest = text;
  while (rest) {
    const m = INLINE.exec(rest);
    if (!m) {
      out.push(rest);
      break;
    }
    if (m.index) out.push(rest.slice(0, m.index));
    const tok = m[0];
    if (m[1]) out.push(h("code", {}, tok.slice(1, -1)));
    else if (m[2]) out.push(h("strong", {}, ...inline(tok.slice(2, -2))));
    else if (m[3]) out.push(h("em", {}, ...inline(tok.slice(1, -1))));
    else {
      const [, label, href] = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(tok);
      // Only web links; javascript: and data: URLs stay text.
      out.push(/^https?:\/\//i.test(href) ? h("a", { href, rel: "noopener noreferrer nofollow", target: "_blank" }, label) : tok);
    }
    rest = rest.slice(m.index + tok.length);
  }
  return out;
}

export function renderMarkdown(src) {
  const root = h("div.md");
  const lines = String(src ?? "").replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  let para = [];
  const flush = () => {
    if (para.length) root.append(h("p", {}, ...inline(para.join(" "))));
    para = [];
  };
  while (i < lines.length) {
    const line = lines[i];
    const fence = /^\s*```(.*)$/.exec(line);
    if (fence) {
      flush();
      const code = [];
      i += 1;
      while (i < lines.length && !/^\s*```/.test(lines[i])) code.push(lines[i++]);
      i += 1;
      root.append(h("pre", {}, h("code", { "data-lang": fence[1].trim() || null }, code.join("\n"))));
      continue;
    }
    const head = /^(#{1,6})\s+(.*)$/.exec(line);
    if (head) {
      flush();
      root.append(h(`h${Math.min(6, head[1].length + 2)}`, {}, ...inline(head[2])));
      i += 1;
      continue;
    }
    const item = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      flush();
      const ordered = /\d/.test(item[1]);
      const list = h(ordered ? "ol" : "ul");
      while (i < lines.length) {
        const m = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(lines[i]);
        if (!m || /\d/.test(m[1]) !== ordered) break;
        list.append(h("li", {}, ...inline(m[2])));
        i += 1;
      }
      root.append(list);
      continue;
    }
    if (/^\s*>/.test(line)) {
      flush();
      const quote = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) quote.push(lines[i++].replace(/^\s*>\s?/, ""));
      root.append(h("blockquote", {}, ...inline(quote.join(" "))));
      continue;
    }
    if (!line.trim()) flush();
    else para.push(line.trim());
    i += 1;
  }
  flush();
  return root;
}
