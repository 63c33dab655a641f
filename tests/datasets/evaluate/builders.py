"""Builders for the evaluation tests: tiny PNGs, WAVs, JSONL/CSV/Parquet written on the fly."""

from __future__ import annotations

import json
import wave
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def write_png(path: Path, size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 30, 30)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, format="PNG")
    return path


def write_corrupt_png(path: Path) -> Path:
    good = write_png(path, (64, 64))
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # truncated: header parses, pixel data does not
    return path


def write_wav(path: Path, seconds: float = 1.0, rate: int = 16000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x01\x00" * int(seconds * rate))
    return path


def write_jsonl(path: Path, records: list[Any], extra_lines: list[str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        for line in extra_lines or []:
            fh.write(line + "\n")
    return path


def tc609(rid: str, text: str = "示例文本", labels: list[Any] | None = None, **over: Any) -> dict[str, Any]:
    """A record valid against the TC609 record format; keyword arguments override fields."""
    rec: dict[str, Any] = {
        "id": rid,
        "rid": [],
        "data_content": [{"media_type": "text", "content": text}],
        "annotation": {"label": labels if labels is not None else ["正面"], "annotation_method": "人工标注",
                       "annotator": "专业标注员"},
        "original_time": "2025-01-01T08:00:00",
        "last_modified_time": "2025-03-01T08:00:00",
        "version": "1.0",
        "license": "CC-BY-4.0",
        "source": "互联网",
        "source_details": "https://example.com/page",
        "generated_data_indicator": 0,
    }
    rec.update(over)
    return rec
