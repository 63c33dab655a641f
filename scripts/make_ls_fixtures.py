"""Generate the real Label Studio export fixtures in tests/formats/fixtures/labelstudio-1.23/.

Made with **Label Studio 1.23.2** (label-studio-sdk 2.1.2 does the non-JSON exports), installed in
its own venv at ~/.cache/crowdset-bench/labelstudio (the one benchmarks/bench_annotation.py uses).
Nothing here runs at test time: the files are generated once and committed. To regenerate:

    .venv/bin/python scripts/make_ls_fixtures.py            # starts a private LS on 127.0.0.1, then stops it
    LS_URL=http://127.0.0.1:8080 LS_TOKEN=... .venv/bin/python scripts/make_ls_fixtures.py   # reuse a running one

The script starts Label Studio with a throw-away data dir (no analytics, no version check), creates
one project per shared kind with a real labelling config, imports a few Chinese tasks, creates
annotations (one cancelled, i.e. skipped) and predictions (``model_version``, ``score``) through
the REST API, and saves for each project:

* ``<project>.xml``                the labelling config
* ``<project>.json``               exportType=JSON (download_all_tasks=true), the export the UI's Export
                                   button downloads. Its ``predictions`` are **prediction ids** (ints)
* ``<project>.snapshot.json``      a snapshot export (POST /api/projects/{id}/exports/ with
                                   ``serialization_options.predictions.only_id = false``, then download
                                   as JSON): the same tasks with full prediction objects; projects
                                   with predictions only
* ``<project>.min.json``           exportType=JSON_MIN
* ``<project>.csv``                exportType=CSV
* ``ner.conll``                    exportType=CONLL2003 (NER project only)
* ``image.coco.zip``/``image.yolo.zip``  exportType=COCO / YOLO (image project only), as LS sends them

Regions are posted in the shape Label Studio's editor (LSF) produces: percent geometry with
``original_width/height``, polygons with ``closed``, keypoints with ``width``, ``origin: manual``.
Text offsets are what the editor stores: **JavaScript string indices, i.e. UTF-16 code units**.
The LS server stores ``start``/``end`` verbatim (it never recomputes them), so in ``ner.json`` the
task that starts with an emoji has ``马云`` at 2..4 although it is at 1..3 in Python code points.
LS's own CONLL2003 converter slices the text with Python (code point) indices and tokenises with
NLTK's Treebank tokenizer (whitespace/punctuation), so a Chinese sentence is one token.

Volatile fields (``created_at``, ``updated_at``, ids, ``inner_id``) differ on every run, so a
regenerated fixture set diffs in those; the tests do not depend on their values.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests/formats/fixtures/labelstudio-1.23"
LS_BIN = Path.home() / ".cache/crowdset-bench/labelstudio/bin/label-studio"
HOST = "127.0.0.1"
EXPECTED_VERSION = "1.23.2"

W, H = 640, 480  # the original size every image region claims (the images themselves do not exist)

# --- projects ----------------------------------------------------------------------------------------

CHOICES_XML = """<View>
  <Text name="text" value="$text"/>
  <Header value="情感"/>
  <Choices name="sentiment" toName="text" choice="single" showInline="true">
    <Choice value="正面"/>
    <Choice value="负面"/>
    <Choice value="中性"/>
  </Choices>
  <Header value="主题（可多选）"/>
  <Choices name="topics" toName="text" choice="multiple">
    <Choice value="餐饮"/>
    <Choice value="服务"/>
    <Choice value="价格"/>
  </Choices>
</View>
"""

NER_XML = """<View>
  <Relations>
    <Relation value="创立"/>
    <Relation value="位于"/>
  </Relations>
  <Labels name="label" toName="text">
    <Label value="PER" background="red"/>
    <Label value="ORG" background="darkorange"/>
    <Label value="LOC" background="orange"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>
"""

IMAGE_XML = """<View>
  <Image name="image" value="$image" zoom="true"/>
  <RectangleLabels name="box" toName="image">
    <Label value="汽车" background="green"/>
    <Label value="行人" background="blue"/>
  </RectangleLabels>
  <PolygonLabels name="outline" toName="image" strokeWidth="3" pointSize="small">
    <Label value="道路" background="gray"/>
  </PolygonLabels>
  <KeyPointLabels name="point" toName="image">
    <Label value="车灯" background="yellow" model_index="0"/>
  </KeyPointLabels>
</View>
"""

TEXTAREA_RATING_XML = """<View>
  <Text name="text" value="$text"/>
  <TextArea name="summary" toName="text" rows="3" maxSubmissions="1" editable="true"/>
  <Rating name="quality" toName="text" maxRating="5" icon="star"/>
</View>
"""

PAIRWISE_XML = """<View>
  <Header>哪个回答更好？</Header>
  <Pairwise name="pw" toName="answer1,answer2"/>
  <Text name="answer1" value="$answer1"/>
  <Text name="answer2" value="$answer2"/>
</View>
"""

RANKER_XML = """<View>
  <Text name="prompt" value="$prompt"/>
  <List name="answers" value="$items" title="回答"/>
  <Ranker name="rank" toName="answers"/>
</View>
"""

EMOJI_TEXT = "😀马云于1999年在杭州创立了阿里巴巴集团。"
PLAIN_TEXT = "李彦宏在北京创办了百度公司。"


def utf16(text: str, cp: int) -> int:
    """Code-point index -> the JavaScript (UTF-16) index the LS editor stores."""
    return cp + sum(1 for ch in text[:cp] if ord(ch) > 0xFFFF)


def span(rid: str, text: str, piece: str, label: str, **extra: Any) -> dict[str, Any]:
    cp = text.index(piece)
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
            "value": {"start": utf16(text, cp), "end": utf16(text, cp + len(piece)), "text": piece,
                      "labels": [label]}, **extra}


def relation(src: str, dst: str, *labels: str) -> dict[str, Any]:
    return {"from_id": src, "to_id": dst, "type": "relation", "direction": "right", "labels": list(labels)}


def choices(name: str, *values: str, rid: str) -> dict[str, Any]:
    return {"id": rid, "from_name": name, "to_name": "text", "type": "choices", "origin": "manual",
            "value": {"choices": list(values)}}


def img(rid: str, name: str, typ: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"id": rid, "from_name": name, "to_name": "image", "type": typ, "origin": "manual",
            "original_width": W, "original_height": H, "image_rotation": 0, "value": value}


def project_specs() -> list[dict[str, Any]]:
    """Each project: config, tasks and, per task index, annotations and predictions (lists of regions)."""
    return [
        {"slug": "choices", "title": "情感与主题分类", "config": CHOICES_XML,
         "tasks": [{"text": "这家餐厅的菜很好吃，服务也热情。"}, {"text": "价格太贵了，不会再来。"},
                   {"text": "一般般吧。"}],
         "annotations": {
             0: [{"result": [choices("sentiment", "正面", rid="c0s"), choices("topics", "餐饮", "服务", rid="c0t")],
                  "lead_time": 8.5}],
             1: [{"result": [choices("sentiment", "负面", rid="c1s"), choices("topics", "价格", rid="c1t")],
                  "lead_time": 4.25, "ground_truth": True}],
             2: [{"result": [], "was_cancelled": True, "lead_time": 1.0}],
         },
         "predictions": {0: [{"model_version": "bert-zh-v1", "score": 0.91,
                              "result": [choices("sentiment", "正面", rid="p0s")]}],
                         2: [{"model_version": "bert-zh-v1", "score": 0.55,
                              "result": [choices("sentiment", "中性", rid="p2s")]}]},
         "exports": ["JSON", "JSON_MIN", "CSV"]},
        {"slug": "ner", "title": "命名实体与关系", "config": NER_XML,
         "tasks": [{"text": EMOJI_TEXT}, {"text": PLAIN_TEXT}],
         "annotations": {
             0: [{"result": [span("n0a", EMOJI_TEXT, "马云", "PER"), span("n0b", EMOJI_TEXT, "杭州", "LOC"),
                             span("n0c", EMOJI_TEXT, "阿里巴巴集团", "ORG"),
                             relation("n0a", "n0c", "创立"), relation("n0c", "n0b", "位于")], "lead_time": 30.0}],
             1: [{"result": [span("n1a", PLAIN_TEXT, "李彦宏", "PER"), span("n1b", PLAIN_TEXT, "北京", "LOC"),
                             span("n1c", PLAIN_TEXT, "百度公司", "ORG"), relation("n1a", "n1c", "创立")],
                  "lead_time": 21.0}],
         },
         "predictions": {0: [{"model_version": "crf-2024", "score": 0.8,
                              "result": [span("q0a", EMOJI_TEXT, "马云", "PER", score=0.97)]}]},
         "exports": ["JSON", "JSON_MIN", "CSV", "CONLL2003"]},
        {"slug": "image", "title": "街景检测", "config": IMAGE_XML,
         "tasks": [{"image": "http://example.invalid/street-1.jpg"}, {"image": "http://example.invalid/street-2.jpg"}],
         "annotations": {
             0: [{"result": [
                 img("b0a", "box", "rectanglelabels",
                     {"x": 10, "y": 20, "width": 25, "height": 12.5, "rotation": 0, "rectanglelabels": ["汽车"]}),
                 img("b0b", "box", "rectanglelabels",
                     {"x": 50, "y": 40, "width": 10, "height": 30, "rotation": 15, "rectanglelabels": ["行人"]}),
                 img("g0a", "outline", "polygonlabels",
                     {"points": [[0, 100], [40, 60], [60, 60], [100, 100]], "closed": True,
                      "polygonlabels": ["道路"]}),
                 img("k0a", "point", "keypointlabels",
                     {"x": 12.5, "y": 25, "width": 0.75, "keypointlabels": ["车灯"]}),
             ], "lead_time": 42.0}],
             1: [{"result": [img("b1a", "box", "rectanglelabels",
                                 {"x": 5, "y": 5, "width": 50, "height": 50, "rotation": 0,
                                  "rectanglelabels": ["汽车"]})], "lead_time": 9.0}],
         },
         "predictions": {1: [{"model_version": "yolov8n", "score": 0.66, "result": [
             img("y1a", "box", "rectanglelabels",
                 {"x": 6, "y": 4, "width": 48, "height": 52, "rotation": 0, "rectanglelabels": ["汽车"]})]}]},
         "exports": ["JSON", "JSON_MIN", "CSV", "COCO", "YOLO"]},
        {"slug": "textarea_rating", "title": "摘要与评分", "config": TEXTAREA_RATING_XML,
         "tasks": [{"text": "今天杭州阴转小雨，气温十二到十八度，东北风三级。"},
                   {"text": "会议改到周五下午三点，请大家准时参加。"}],
         "annotations": {
             0: [{"result": [{"id": "t0s", "from_name": "summary", "to_name": "text", "type": "textarea",
                              "origin": "manual", "value": {"text": ["杭州阴转小雨", "12–18℃"]}},
                             {"id": "t0q", "from_name": "quality", "to_name": "text", "type": "rating",
                              "origin": "manual", "value": {"rating": 4}}], "lead_time": 15.0}],
             1: [{"result": [{"id": "t1s", "from_name": "summary", "to_name": "text", "type": "textarea",
                              "origin": "manual", "value": {"text": ["会议改到周五下午三点"]}},
                             {"id": "t1q", "from_name": "quality", "to_name": "text", "type": "rating",
                              "origin": "manual", "value": {"rating": 5}}], "lead_time": 11.0}],
         },
         "predictions": {1: [{"model_version": "summ-small", "score": 0.4, "result": [
             {"id": "u1s", "from_name": "summary", "to_name": "text", "type": "textarea", "origin": "prediction",
              "value": {"text": ["周五开会"]}}]}]},
         "exports": ["JSON", "JSON_MIN", "CSV"]},
        {"slug": "pairwise", "title": "回答两两比较", "config": PAIRWISE_XML,
         "tasks": [{"answer1": "地球绕太阳一圈大约需要一年。", "answer2": "太阳绕地球转。"},
                   {"answer1": "水在零度结冰。", "answer2": "标准大气压下，水在 0℃ 结冰。"}],
         "annotations": {
             0: [{"result": [{"id": "w0", "from_name": "pw", "to_name": "pw", "type": "pairwise",
                              "origin": "manual", "value": {"selected": "left"}}], "lead_time": 5.0}],
             1: [{"result": [{"id": "w1", "from_name": "pw", "to_name": "pw", "type": "pairwise",
                              "origin": "manual", "value": {"selected": "right"}}], "lead_time": 6.0}],
         },
         "predictions": {0: [{"model_version": "reward-model-1", "score": 0.73, "result": [
             {"id": "v0", "from_name": "pw", "to_name": "pw", "type": "pairwise", "value": {"selected": "left"}}]}]},
         "exports": ["JSON", "JSON_MIN", "CSV"]},
        {"slug": "ranker", "title": "回答排序", "config": RANKER_XML,
         "tasks": [{"prompt": "推荐一本入门编程书", "items": [
             {"id": "a1", "title": "回答一", "body": "《Python 编程：从入门到实践》"},
             {"id": "a2", "title": "回答二", "body": "随便看看网上教程就行"},
             {"id": "a3", "title": "回答三", "body": "《计算机程序的构造和解释》"}]}],
         "annotations": {
             0: [{"result": [{"id": "r0", "from_name": "rank", "to_name": "answers", "type": "ranker",
                              "origin": "manual", "value": {"ranker": {"answers": ["a1", "a3", "a2"]}}}],
                  "lead_time": 20.0}],
         },
         "predictions": {0: [{"model_version": "rm-7b", "score": 0.6, "result": [
             {"id": "s0", "from_name": "rank", "to_name": "answers", "type": "ranker",
              "value": {"ranker": {"answers": ["a3", "a1", "a2"]}}}]}]},
         "exports": ["JSON", "JSON_MIN", "CSV"]},
    ]


# --- Label Studio server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class LabelStudio:
    """A private Label Studio on 127.0.0.1 with a temp data dir, stopped by its process group."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.token = secrets.token_hex(20)
        self.log = workdir / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO_", "DJANGO_"))}
        env.update(LABEL_STUDIO_COLLECT_ANALYTICS="false", LABEL_STUDIO_LATEST_VERSION_CHECK="false",
                   LABEL_STUDIO_BASE_DATA_DIR=str(workdir / "data"), PYTHONUNBUFFERED="1")
        argv = [str(LS_BIN), "start", "--no-browser", "--internal-host", HOST, "--port", str(self.port),
                "--username", "fixtures@example.com", "--password", secrets.token_urlsafe(16),
                "--user-token", self.token, "--enable-legacy-api-token", "--log-level", "WARNING"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(argv, env=env, cwd=workdir, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def wait(self, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as c:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"label-studio exited with {self.proc.returncode}; see {self.log}")
                with contextlib.suppress(httpx.HTTPError):
                    if c.get(f"{self.url}/health").status_code == 200:
                        return
                time.sleep(0.5)
        raise RuntimeError(f"label-studio did not start within {timeout:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


def check(r: httpx.Response, *ok: int) -> httpx.Response:
    if r.status_code not in (ok or (200,)):
        raise RuntimeError(f"{r.request.method} {r.request.url} -> {r.status_code}: {r.text[:600]}")
    return r


def build(c: httpx.Client, spec: dict[str, Any]) -> None:
    slug = spec["slug"]
    pid = check(
        c.post("/api/projects", json={"title": spec["title"], "label_config": spec["config"]}), 201
    ).json()["id"]
    check(c.post(f"/api/projects/{pid}/import", json=[{"data": t} for t in spec["tasks"]]), 201)
    tasks = check(c.get("/api/tasks", params={"project": pid, "page_size": 100})).json()
    tasks = tasks["tasks"] if isinstance(tasks, dict) else tasks
    ids = sorted(t["id"] for t in tasks)
    for i, anns in spec["annotations"].items():
        for a in anns:
            check(c.post(f"/api/tasks/{ids[i]}/annotations", params={"project": pid}, json=a), 201)
    for i, preds in spec["predictions"].items():
        for p in preds:
            check(c.post("/api/predictions", json={"task": ids[i], **p}), 201)
    (OUT / f"{slug}.xml").write_text(spec["config"], encoding="utf-8")
    for fmt in spec["exports"]:
        r = check(c.get(f"/api/projects/{pid}/export", params={"exportType": fmt, "download_all_tasks": "true"}))
        body = r.content
        ctype = r.headers.get("content-type", "")
        if fmt in ("JSON", "JSON_MIN"):
            # LS writes compact JSON; reindent (same content) so reviewers can read the diff
            body = (json.dumps(json.loads(body), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
            name = f"{slug}.json" if fmt == "JSON" else f"{slug}.min.json"
        elif fmt == "CSV":
            name = f"{slug}.csv"
        elif fmt == "CONLL2003":
            name = f"{slug}.conll"
        else:
            name = f"{slug}.{fmt.lower()}.zip" if "zip" in ctype or body[:2] == b"PK" else f"{slug}.{fmt.lower()}.json"
        (OUT / name).write_bytes(body)
        print(f"  {name}: {len(body)} bytes ({ctype})")
    if spec["predictions"]:
        snapshot(c, pid, slug)


def snapshot(c: httpx.Client, pid: int, slug: str) -> None:
    """The snapshot export (Export > Create snapshot), asked for full predictions, not their ids."""
    body = {"title": f"{slug} fixtures", "serialization_options": {"predictions": {"only_id": False}}}
    eid = check(c.post(f"/api/projects/{pid}/exports/", json=body), 201).json()["id"]
    for _ in range(120):
        if check(c.get(f"/api/projects/{pid}/exports/{eid}")).json()["status"] == "completed":
            break
        time.sleep(0.5)
    r = check(c.get(f"/api/projects/{pid}/exports/{eid}/download", params={"exportType": "JSON"}))
    out = (json.dumps(json.loads(r.content), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    (OUT / f"{slug}.snapshot.json").write_bytes(out)
    print(f"  {slug}.snapshot.json: {len(out)} bytes")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    url, token = os.environ.get("LS_URL"), os.environ.get("LS_TOKEN")
    server = None
    with tempfile.TemporaryDirectory(prefix="ls-fixtures-") as tmp:
        try:
            if not url:
                server = LabelStudio(Path(tmp))
                print(f"starting Label Studio on {server.url} ...", flush=True)
                server.wait()
                url, token = server.url, server.token
            with httpx.Client(base_url=url, headers={"Authorization": f"Token {token}"}, timeout=120.0) as c:
                version = check(c.get("/api/version")).json()
                ls_version = version.get("release") or version.get("label-studio-os-package", {}).get("version")
                if ls_version != EXPECTED_VERSION:
                    print(f"warning: Label Studio {ls_version}, fixtures are documented as {EXPECTED_VERSION}")
                for spec in project_specs():
                    print(spec["slug"], flush=True)
                    build(c, spec)
        finally:
            if server is not None:
                server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
