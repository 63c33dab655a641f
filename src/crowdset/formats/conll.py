"""CoNLL BIO export of span results, and ``read_conll`` to get spans (character offsets) back.

Default tokenisation (no tokenizer given) follows how Chinese NER corpora are annotated: every CJK
character is a token, runs of other letters/digits (``iPhone15``, ``2024``) stay whole words, every
other non-space character (punctuation) is a token by itself, and whitespace is never a token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from .common import byte_lines, controls, pick_result

Tokenizer = Callable[[str], Sequence[tuple[int, int]] | Sequence[str]]


def is_cjk(ch: str) -> bool:
    """CJK ideographs, kana, Hangul, CJK punctuation and full-width forms: one token per character."""
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xA960 <= o <= 0xA97F or 0xAC00 <= o <= 0xD7FF or 0xF900 <= o <= 0xFAFF
            or 0xFE30 <= o <= 0xFE4F or 0xFF00 <= o <= 0xFFEF or 0x20000 <= o <= 0x3FFFF)


def _word_char(ch: str) -> bool:
    return ch.isalnum() and not is_cjk(ch)


def tokenize(text: str) -> list[tuple[int, int]]:
    """Default tokenisation as ``(start, end)`` code-point offsets (see the module docstring)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif _word_char(ch):
            j = i + 1
            while j < n and _word_char(text[j]):
                j += 1
            out.append((i, j))
            i = j
        else:
            out.append((i, i + 1))
            i += 1
    return out


def _offsets(text: str, tokenizer: Tokenizer | None) -> list[tuple[int, int]]:
    if tokenizer is None:
        return tokenize(text)
    toks = list(tokenizer(text))
    if toks and isinstance(toks[0], str):
        return align_tokens(text, [str(t) for t in toks])
    return [(int(s), int(e)) for s, e in toks]  # type: ignore[misc]


def align_tokens(text: str, tokens: Sequence[str]) -> list[tuple[int, int]]:
    """Offsets of ``tokens`` in ``text``, in order, allowing only whitespace between them."""
    out, pos = [], 0
    for tok in tokens:
        i = text.find(tok, pos)
        if i < 0 or text[pos:i].strip():
            raise ValueError(f"token {tok!r} not found at offset {pos}")
        out.append((i, i + len(tok)))
        pos = i + len(tok)
    return out


def bio_tags(offsets: list[tuple[int, int]], spans: Iterable[dict[str, Any]],
             stats: dict[str, int] | None = None) -> list[str]:
    """BIO tag per token. Overlapping spans cannot be encoded: the earlier (then longer) one wins."""
    stats = stats if stats is not None else {}
    kept: list[dict[str, Any]] = []
    for sp in sorted(spans, key=lambda s: (s["start"], -(s["end"] - s["start"]))):
        if kept and sp["start"] < kept[-1]["end"]:
            stats["overlapping_spans_dropped"] = stats.get("overlapping_spans_dropped", 0) + 1
            continue
        kept.append(sp)
    tags = ["O"] * len(offsets)
    k = 0
    for sp in kept:
        first = True
        while k < len(offsets) and offsets[k][1] <= sp["start"]:
            k += 1
        j = k
        while j < len(offsets) and offsets[j][0] < sp["end"]:
            tags[j] = ("B-" if first else "I-") + str(sp["label"])
            if offsets[j][0] < sp["start"] or offsets[j][1] > sp["end"]:
                stats["misaligned_tokens"] = stats.get("misaligned_tokens", 0) + 1
            first = False
            j += 1
        if first:
            stats["spans_without_tokens"] = stats.get("spans_without_tokens", 0) + 1
        k = j
    return tags


def write_conll(records: Iterable[dict[str, Any]], out: IO[bytes], schema: dict[str, Any] | None = None, *,
                control: str | None = None, tokenizer: Tokenizer | None = None, style: str = "simple",
                include_unlabelled: bool = False, **_: Any) -> dict[str, int]:
    """Write one CoNLL block per task (blank line between tasks) for one spans control.

    ``style="simple"``: ``token TAG``; ``style="conll2003"``: ``token -X- _ TAG`` with a
    ``-DOCSTART- -X- -X- O`` line before each task. The control is ``control`` or the schema's first
    spans control; tasks without a usable result (see ``pick_result``) are skipped unless
    ``include_unlabelled`` (then all ``O``).
    """
    spans_ctrls = [c for c in controls(schema) if c.get("kind") == "spans"]
    ctrl = next((c for c in spans_ctrls if c["name"] == control), None) if control else \
        (spans_ctrls[0] if spans_ctrls else None)
    if ctrl is None:
        raise ValueError(f"no spans control {control or ''} in the schema")
    if style not in ("simple", "conll2003"):
        raise ValueError("style must be 'simple' or 'conll2003'")
    stats = {"tasks": 0, "written": 0, "skipped_no_result": 0}
    for record in records:
        stats["tasks"] += 1
        result, _method = pick_result(record)
        if result is None and not include_unlabelled:
            stats["skipped_no_result"] += 1
            continue
        text = (record.get("data") or {}).get(ctrl.get("to"))
        if not isinstance(text, str):
            stats["skipped_no_result"] += 1
            continue
        spans = ((result or {}).get(ctrl["name"]) or {}).get("spans") or []
        offsets = _offsets(text, tokenizer)
        tags = bio_tags(offsets, spans, stats)
        lines = []
        if style == "conll2003":
            lines.append("-DOCSTART- -X- -X- O\n\n")
        for (s, e), tag in zip(offsets, tags, strict=True):
            tok = text[s:e]
            lines.append(f"{tok} -X- _ {tag}\n" if style == "conll2003" else f"{tok} {tag}\n")
        lines.append("\n")
        out.write("".join(lines).encode("utf-8"))
        stats["written"] += 1
    return stats


@dataclass
class ConllDoc:
    """One block read back: its tokens and tags, the text, and spans with character offsets."""

    tokens: list[str]
    tags: list[str]
    text: str
    offsets: list[tuple[int, int]] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)


def join_tokens(tokens: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Rebuild text: a space only between two tokens that would otherwise merge into one word."""
    parts: list[str] = []
    offsets = []
    pos = 0
    for tok in tokens:
        if parts and _word_char(parts[-1][-1]) and _word_char(tok[0]):
            parts.append(" ")
            pos += 1
        offsets.append((pos, pos + len(tok)))
        parts.append(tok)
        pos += len(tok)
    return "".join(parts), offsets


def tags_to_spans(text: str, offsets: list[tuple[int, int]], tags: list[str]) -> list[dict[str, Any]]:
    """Spans from BIO/IOB1/BIOES tags; an I- after O or another label starts a new span."""
    spans: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    for (s, e), tag in zip(offsets, tags, strict=True):
        prefix, _, label = tag.partition("-")
        if tag == "O" or not label:
            cur = None
            continue
        if prefix in ("B", "S") or cur is None or cur["label"] != label:
            cur = {"id": f"s{len(spans) + 1}", "start": s, "end": e, "label": label}
            spans.append(cur)
        else:
            cur["end"] = e
        if prefix in ("E", "S"):
            cur = None
    for sp in spans:
        sp["text"] = text[sp["start"]:sp["end"]]
    return spans


def read_conll(stream: IO[bytes], texts: Iterable[str] | None = None) -> Iterator[ConllDoc]:
    """Read blocks (first column token, last column tag) and yield them with recovered spans.

    With ``texts`` (the original text of each block, in order) offsets are exact. Without, the text
    is rebuilt by ``join_tokens`` and offsets refer to that ``text``: it equals the original when the
    original had whitespace only between two words (true of most Chinese text; "Hello, world" comes
    back as "Hello,world").
    """
    text_iter = iter(texts) if texts is not None else None
    tokens: list[str] = []
    tags: list[str] = []

    def flush() -> ConllDoc:
        if text_iter is not None:
            text = next(text_iter)
            offsets = align_tokens(text, tokens)
        else:
            text, offsets = join_tokens(tokens)
        return ConllDoc(list(tokens), list(tags), text, offsets, tags_to_spans(text, offsets, tags))

    for raw in byte_lines(stream):
        line = raw.decode("utf-8-sig").strip()
        if not line:
            if tokens:
                yield flush()
                tokens.clear()
                tags.clear()
            continue
        cols = line.split()
        if cols[0] == "-DOCSTART-":
            continue
        tokens.append(cols[0])
        tags.append(cols[-1] if len(cols) > 1 else "O")
    if tokens:
        yield flush()
