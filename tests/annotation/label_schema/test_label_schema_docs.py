"""The per-kind examples in docs/label-schemas.md stay valid, and the JSON schema lists every kind."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from crowdset.annotation.label_schema import LabelSchema, registered_kinds, validate_result

DOC = Path(__file__).resolve().parents[3] / "docs" / "label-schemas.md"


def doc_examples() -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], dict[str, Any]]]]:
    """Controls and (result, data) pairs from the ```jsonc block; data comes from `// ... data: {...}`."""
    block = re.search(r"```jsonc\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, "no jsonc examples block"
    controls: list[dict[str, Any]] = []
    results: list[tuple[dict[str, Any], dict[str, Any]]] = []
    data: dict[str, Any] = {}
    buf = ""
    decoder = json.JSONDecoder()
    for line in block.group(1).splitlines():
        if line.startswith("//"):
            if "data: " in line:
                data = json.loads(line.split("data: ", 1)[1])
            continue
        buf += line + "\n"
        try:
            obj, end = decoder.raw_decode(buf.strip())
        except json.JSONDecodeError:
            continue
        assert not buf.strip()[end:].strip()
        buf = ""
        if "kind" in obj:
            controls.append(obj)
        else:
            results.append((obj, data))
    assert not buf.strip()
    return controls, results


def test_doc_examples_are_valid() -> None:
    controls, results = doc_examples()
    assert {c["kind"] for c in controls} == set(registered_kinds())
    schema = LabelSchema.parse({"controls": [{**c, "required": False} for c in controls]})
    assert len(results) >= 15
    for result, data in results:
        assert validate_result(schema, result, data) == [], result


def test_json_schema_documents_every_kind() -> None:
    js = LabelSchema.model_json_schema()
    items = js["properties"]["controls"]["items"]["oneOf"]
    titles = {item.get("title") or js.get("$defs", {}).get(item.get("$ref", "/").rsplit("/", 1)[-1], {})
              .get("title") for item in items}
    assert "BboxControl" in titles and "CotReviewControl" in titles
    assert len(items) == len(registered_kinds())
