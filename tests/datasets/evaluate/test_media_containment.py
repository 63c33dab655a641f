"""Media references stay inside the dataset: nothing outside the media root is read or stat'ed.

Records are untrusted input. If the evaluator followed ``/etc/passwd``, ``../..`` or a symlink out of
the dataset, its report would be an oracle on the machine's files (exists or not, an image's size,
whether a guessed SHA-256 is right). These tests build a dataset next to an "outside" folder and
check that the report is the same whether the outside files exist or not.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crowdset.datasets.evaluate import evaluate_path, evaluate_records
from crowdset.datasets.evaluate.media import MediaInspector, MediaRefused, contained, refusal
from crowdset.datasets.evaluate.metadata import MetadataError
from tests.datasets.evaluate.builders import NOW, write_jsonl, write_png

CROWDSET = Path(sys.executable).with_name("crowdset")


@pytest.mark.parametrize("ref", [
    "/etc/passwd", "//etc/passwd", "../secret.png", "img/../../secret.png", "..", "a/..", "C:\\Windows\\win.ini",
    "c:/secret.png", "\\\\server\\share\\x.png", "img\\x.png", "file:///etc/passwd", "data:image/png;base64,AAAA",
    "ftp://host/x.png", "javascript:alert(1)", "img/a\x00.png", "http://x/\x00.png",
])
def test_refused_from_the_text_alone(ref, tmp_path):
    assert refusal(ref) is not None
    with pytest.raises(MediaRefused):
        contained(tmp_path, ref)
    info = MediaInspector(tmp_path).inspect("image", ref)
    assert not info.ok and info.refused and not info.remote


@pytest.mark.parametrize("ref", ["img/1.png", "./img/1.png", "img//1.png", "1.png"])
def test_relative_paths_inside_are_accepted(ref, tmp_path):
    assert refusal(ref) is None
    assert str(contained(tmp_path, ref)).startswith(os.path.realpath(tmp_path))


def test_remote_references_are_not_fetched(tmp_path):
    for ref in ("http://example.com/a.png", "https://example.com/a.png", "s3://b/a.png", "oss://b/a.png"):
        info = MediaInspector(tmp_path).inspect("image", ref)
        assert info.ok and info.remote


def test_symlinks_inside_are_followed_links_out_are_refused(tmp_path):
    root, outside = tmp_path / "ds", tmp_path / "outside"
    write_png(root / "img" / "real.png", (20, 10))
    write_png(outside / "secret.png", (30, 30))
    (root / "rel_in.png").symlink_to("img/real.png")
    (root / "abs_in.png").symlink_to(root / "img" / "real.png")
    (root / "alias").symlink_to("img")  # a folder link inside
    (root / "rel_out.png").symlink_to("../outside/secret.png")
    (root / "abs_out.png").symlink_to(outside / "secret.png")
    (root / "dir_out").symlink_to(outside)
    (root / "sneaky").symlink_to("img/../../outside")  # '..' from a real folder still leaves
    (root / "loop").symlink_to("loop")
    media = MediaInspector(root)
    for ref in ("rel_in.png", "abs_in.png", "alias/real.png", "img/real.png"):
        info = media.inspect("image", ref)
        assert info.ok and (info.width, info.height) == (20, 10), ref
    for ref in ("rel_out.png", "abs_out.png", "dir_out/secret.png", "sneaky/secret.png", "loop"):
        info = media.inspect("image", ref)
        assert info.refused and "leaves the dataset" in (info.reason or ""), ref
    missing = media.inspect("image", "img/nope.png")
    assert not missing.ok and not missing.refused and missing.reason == "file not found: img/nope.png"


def test_a_fifo_inside_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.png")
    info = MediaInspector(tmp_path).inspect("image", "pipe.png")  # would block forever if opened for reading
    assert not info.ok and "not a regular file" in (info.reason or "")


def _hostile_dataset(tmp: Path) -> tuple[Path, Path, list[str]]:
    """A dataset folder whose records name ``<tmp>/outside/secret.png`` in every way a record can, the
    outside file existing for now; returns (data file, outside file, the hostile record ids)."""
    root, secret = tmp / "ds", write_png(tmp / "outside" / "secret.png", (300, 200))
    write_png(root / "img" / "ok.png", (64, 48), (0, 0, 200))
    (root / "link.png").symlink_to(secret)
    refs = {
        "abs": str(secret), "dotdot": "../outside/secret.png", "link": "link.png", "file-url": f"file://{secret}",
        "nul": "img\x00.png", "drive": "C:\\outside\\secret.png",
    }
    records = [{"id": k, "image": v, "caption": "一只红色的方块在白色背景上"} for k, v in refs.items()]
    # a correct guess of the outside file's SHA-256 must not be confirmed (nor a wrong one refuted)
    right = hashlib.sha256(secret.read_bytes()).hexdigest()
    records.append({"id": "sha-right", "image": str(secret), "sha256": right, "caption": "一只红色的方块"})
    records.append({"id": "sha-wrong", "image": str(secret), "sha256": "f" * 64, "caption": "一只红色的方块"})
    records.append({"id": "inside", "image": "img/ok.png", "caption": "一个蓝色的方块在白色背景上"})
    return write_jsonl(root / "data.jsonl", records), secret, [*refs, "sha-right", "sha-wrong"]


def _spying(monkeypatch: pytest.MonkeyPatch, prefix: str, touched: list[str]) -> None:
    """Record every os.stat/lstat/open of a path under ``prefix`` (pathlib and Pillow go through these)."""
    for name in ("stat", "lstat", "open"):
        real = getattr(os, name)

        def spy(path, *a, _real=real, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
            if isinstance(path, (str, os.PathLike)) and os.fspath(path).startswith(prefix):
                touched.append(os.fspath(path))
            return _real(path, *a, **kw)

        monkeypatch.setattr(os, name, spy)


def test_report_is_the_same_whether_outside_files_exist(tmp_path, monkeypatch):
    data, secret, hostile = _hostile_dataset(tmp_path)
    touched: list[str] = []
    _spying(monkeypatch, str(secret.parent), touched)
    first = evaluate_path(data, now=NOW)
    secret.unlink()
    second = evaluate_path(data, now=NOW)
    monkeypatch.undo()
    assert touched == []  # not a read, not a stat
    assert first == second
    ev = {e["id"]: e["reason"] for e in first["indicators"]["0201"]["evidence"]}
    assert set(ev) == set(hostile)
    for rid in ("abs", "dotdot", "link", "drive", "sha-right", "sha-wrong"):
        assert "media path leaves the dataset" in ev[rid], (rid, ev[rid])
    assert "unsupported URL scheme 'file'" in ev["file-url"] and "NUL" in ev["nul"]
    assert ev["sha-right"] == ev["sha-wrong"] and "checksum" not in ev["sha-right"]
    # only the inside image decoded: the outside image's 300x200 shows nowhere
    img = first["indicators"]["0208"]["sub_metrics"]["image"]
    assert img["files"] == len(hostile) + 1 and img["decode_errors"] == len(hostile)
    assert img["min_resolution"] == [64, 48] and "300" not in json.dumps(first["indicators"])


def test_gold_file_outside_the_sidecar_folder_is_refused_alike(tmp_path):
    data = write_jsonl(tmp_path / "ds" / "data.jsonl", [{"id": "1", "text": "好", "label": "正面"}])
    real_gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": "1", "label": "正面"}])
    messages = []
    for gold in (str(real_gold), str(tmp_path / "missing.jsonl"), "../gold.jsonl", "../missing.jsonl"):
        with pytest.raises(MetadataError) as exc:
            evaluate_path(data, metadata={"gold_file": gold, "_dir": str(tmp_path)}, now=NOW)
        messages.append(str(exc.value).replace(gold, "GOLD").replace("missing.jsonl", "gold.jsonl"))
        assert "inside the dataset's folder" in str(exc.value)
    assert messages[0] == messages[1] and messages[2] == messages[3]
    # inside the folder it still works
    write_jsonl(tmp_path / "ds" / "gold.jsonl", [{"id": "1", "label": "正面"}])
    r = evaluate_path(data, metadata={"gold_file": "gold.jsonl"}, now=NOW)
    assert r["indicators"]["0304"]["x"] == 100


def test_in_memory_records_resolve_inside_their_media_root(tmp_path):
    write_png(tmp_path / "root" / "a.png", (40, 40))
    write_png(tmp_path / "secret.png", (40, 40))
    recs = [{"id": "in", "image": "a.png", "caption": "红色方块"}, {"id": "out", "image": "../secret.png",
                                                                    "caption": "红色方块"}]
    r = evaluate_records(recs, media_root=tmp_path / "root", now=NOW)
    ev = {e["id"]: e["reason"] for e in r["indicators"]["0201"]["evidence"]}
    assert list(ev) == ["out"] and "leaves the dataset" in ev["out"]


def test_media_folder_with_a_link_out_reads_nothing_outside(tmp_path):
    root = tmp_path / "ds"
    write_png(root / "cat" / "1.png")
    (tmp_path / "secret.txt").write_text("top secret", encoding="utf-8")
    (root / "cat" / "2.txt").symlink_to(tmp_path / "secret.txt")
    (root / "cat" / "3.png").symlink_to(tmp_path / "nothing-here.png")
    r = evaluate_path(root, now=NOW)
    assert "top secret" not in json.dumps(r, ensure_ascii=False)
    reasons = " ".join(e["reason"] for e in r["indicators"]["0208"]["evidence"])
    assert "leaves the dataset" in reasons


def test_cli_media_stay_in_the_data_files_folder(tmp_path):
    """``crowdset evaluate FILE``: media resolve against FILE's folder and never leave it."""
    data, secret, _ = _hostile_dataset(tmp_path)
    env = {**os.environ, "CROWDSET_DATA_DIR": str(tmp_path / "data")}
    outs = []
    for _run in range(2):
        res = subprocess.run([str(CROWDSET), "evaluate", str(data), "--format", "json"], capture_output=True,
                             text=True, env=env, timeout=120, check=False)
        assert res.returncode == 0, res.stderr
        rep = json.loads(res.stdout)
        rep.pop("generated_at")
        outs.append(rep)
        ev = {e["id"]: e["reason"] for e in rep["indicators"]["0201"]["evidence"]}
        assert "leaves the dataset" in ev["dotdot"] and "leaves the dataset" in ev["link"], ev
        secret.unlink(missing_ok=True)
    assert outs[0] == outs[1]
