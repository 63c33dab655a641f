"""What text and JSON the platform refuses to store, decided in one place for every way data comes in
(the API's requests, imported files). Pure: no database or web imports.

- Lone surrogates ("\\ud800" escapes in JSON) are not Unicode: they cannot be encoded as UTF-8, so
  they could be neither stored nor echoed back in a response.
- NUL characters: PostgreSQL text refuses them (the same value would be stored on SQLite: the two
  databases must answer alike).
- NaN and Infinity: not JSON numbers (Python's reader accepts the literals).
- Nesting deeper than ``MAX_DEPTH``: no request needs it, and readers and writers behind recurse.
"""

from __future__ import annotations

import math
from typing import Any

from crowdset.messages import Message, msg

MAX_DEPTH = 64


def text_problem(value: str) -> Message | None:
    """What is wrong with ``value`` as stored text, or None (ASCII text costs one C-speed scan)."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return msg("text.lone_surrogate")
    return msg("text.nul") if "\x00" in value else None


def printable(value: str) -> str:
    """``value`` safe to echo back (a field name built from a client's key): escapes what UTF-8 cannot
    encode, and NUL."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _join(path: tuple[Any, ...]) -> str:
    return ".".join(printable(str(p)) for p in path)


def json_problems(value: Any, prefix: tuple[Any, ...] = (), finite: bool = True) -> list[tuple[str, Message]]:
    """Every lone surrogate, NUL, non-finite number (when ``finite``) and too-deep nesting in a parsed
    JSON value, as (dotted path, message) sorted by path; the path of a nesting problem is its top-level
    field. Iterative, so a deep document cannot exhaust the stack."""
    found: list[tuple[str, Message]] = []  # a set at the end: one nesting problem per field
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, prefix)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                found.append((_join(path), problem))
        elif isinstance(item, float):
            if finite and not math.isfinite(item):
                found.append((_join(path), msg("text.not_finite")))
        elif isinstance(item, dict | list):
            if len(path) - len(prefix) >= MAX_DEPTH:
                found.append((_join(path[:len(prefix) + 1]), msg("text.nested_deeper", max=MAX_DEPTH)))
                continue
            if isinstance(item, dict):
                for key, sub in item.items():
                    problem = text_problem(key) if isinstance(key, str) else None
                    if problem:
                        found.append((_join((*path, key)), msg("text.key_problem", problem=problem)))
                    stack.append((sub, (*path, key)))
            else:
                stack.extend((sub, (*path, i)) for i, sub in enumerate(item))
    return sorted(set(found))
