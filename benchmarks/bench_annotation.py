"""Benchmark: the annotation server (import, next/submit loop, export, start-up) vs Label Studio.

Usage::

    .venv/bin/python benchmarks/bench_annotation.py [--tasks 100000] [--big 200000] [--no-peer]

Both servers run as subprocesses on 127.0.0.1 with fresh temporary data directories and SQLite, and
get the same generated tasks (Chinese text classification, a Choices config). Measured side by side
in one run:

1. import rate of ``--tasks`` text tasks (ours: one multipart upload, then the job is polled until it
   is done; Label Studio: ``POST /api/projects/{id}/import`` in 10,000-task requests);
2. next-task and submit latency p50/p95 in a next -> submit loop (``--iterations`` after ``--warmup``);
3. export of all tasks as JSON (ours: JSONL stream; Label Studio: ``exportType=JSON&download_all_tasks=true``)
   with each server's peak RSS during the export;
4. start-up time (first start on an empty data directory, including migrations, and a restart on the
   filled one) and resident memory of each server;
5. ours alone: import of ``--big`` tasks (default 200,000 to keep the run short; ``--big 1000000`` for
   the issue's 1M figure) and next p95 at 1,000 tasks and at ``--big`` tasks.

Label Studio comes from its own virtual environment (``benchmarks/peers/setup_labelstudio.sh``);
``--no-peer`` runs ours only. Not a test: figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
CROWDSET = Path(sys.executable).with_name("crowdset")
PEER_VENV = Path(os.environ.get("CROWDSET_BENCH_LS_VENV", Path.home() / ".cache/crowdset-bench/labelstudio"))
PEER_BIN = PEER_VENV / "bin" / "label-studio"
HOST = "127.0.0.1"  # the only address either server listens on and the only one we contact

LS_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="正面"/>
    <Choice value="负面"/>
    <Choice value="中性"/>
  </Choices>
</View>
"""
LABELS = ("正面", "负面", "中性")
SUBJECTS = ("这家餐厅", "快递小哥", "酒店前台", "这款手机", "售后客服", "网约车司机", "这本书", "景区门票", "外卖",
            "物业服务")
OPINIONS = ("服务态度很好，下次还会再来", "送货速度太慢了，包装也破了", "总体来说一般，没有特别的感觉",
            "价格实惠，质量超出预期", "等了一个小时还没有人处理", "环境干净整洁，推荐给朋友们",
            "说明书写得不清楚，操作有点复杂", "性价比很高，非常满意")

START_TIMEOUT_S = 300.0
IMPORT_TIMEOUT_S = 1800.0
REQUEST_TIMEOUT_S = 120.0
EXPORT_TIMEOUT_S = 1800.0


# ---------------------------------------------------------------- tasks


def task_text(i: int) -> str:
    return f"第{i}条评论：{SUBJECTS[i % len(SUBJECTS)]}{OPINIONS[(i * 7 + i // 10) % len(OPINIONS)]}。"


def write_jsonl(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for start in range(0, n, 10000):
            fh.write("".join(json.dumps({"data": {"text": task_text(i)}}, ensure_ascii=False) + "\n"
                             for i in range(start, min(n, start + 10000))))


def ls_chunks(n: int, size: int = 10000) -> Iterator[bytes]:
    for start in range(0, n, size):
        yield json.dumps([{"text": task_text(i)} for i in range(start, min(n, start + size))],
                         ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------- processes and memory


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its descendants, MiB."""
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
    return total / 1024.0


class PeakRss:
    """Samples a process tree's RSS every ``every`` seconds in a thread; ``peak`` in MiB."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        self.pid, self.every, self.peak, self.samples = pid, every, 0.0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            r = rss_mib(self.pid)
            self.samples.append(r)
            self.peak = max(self.peak, r)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    health_url: str
    log: Path
    proc: subprocess.Popen | None = None

    def start(self) -> float:
        """Start and wait until the health URL answers 200; seconds taken."""
        t0 = time.perf_counter()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = t0 + START_TIMEOUT_S
        with httpx.Client(timeout=2.0) as c:
            while time.perf_counter() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log}")
                with contextlib.suppress(httpx.HTTPError):
                    if c.get(self.health_url).status_code == 200:
                        return time.perf_counter() - t0
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer {self.health_url} within {START_TIMEOUT_S:.0f} s")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        """Stop the server by its process id (its own session: the process group it leads)."""
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            return
        pid = self.proc.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None


def run_cli(argv: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run([str(CROWDSET), *argv], env=env, input=stdin, capture_output=True, text=True,
                          timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"crowdset {' '.join(argv)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


# ---------------------------------------------------------------- measurement helpers


def pct(values: list[float], q: float) -> float:
    xs = sorted(values)
    k = max(0, min(len(xs) - 1, round(q / 100.0 * (len(xs) - 1))))
    return xs[k]


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


@dataclass
class LoopResult:
    next_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        return {"next_p50": statistics.median(self.next_ms), "next_p95": pct(self.next_ms, 95),
                "submit_p50": statistics.median(self.submit_ms), "submit_p95": pct(self.submit_ms, 95),
                "n": len(self.next_ms)}


def loop(next_fn: Callable[[], Any], submit_fn: Callable[[Any], None], warmup: int, iterations: int) -> LoopResult:
    res = LoopResult()
    for i in range(warmup + iterations):
        t0 = time.perf_counter()
        lease = next_fn()
        t1 = time.perf_counter()
        submit_fn(lease)
        t2 = time.perf_counter()
        if i >= warmup:
            res.next_ms.append((t1 - t0) * 1000)
            res.submit_ms.append((t2 - t1) * 1000)
    return res


def check(r: httpx.Response, *ok: int) -> httpx.Response:
    if r.status_code not in (ok or (200,)):
        raise RuntimeError(f"{r.request.method} {r.request.url} -> {r.status_code}: {r.text[:400]}")
    return r


# ---------------------------------------------------------------- ours


class Ours:
    def __init__(self, workdir: Path, database_url: str | None = None) -> None:
        self.dir = workdir / "crowdset"
        self.dir.mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CROWDSET_")}
        self.env.update(CROWDSET_DATA_DIR=str(self.dir / "data"), PYTHONUNBUFFERED="1")
        if database_url:
            self.env["CROWDSET_DATABASE_URL"] = database_url
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.server = Server("crowdset", [str(CROWDSET), "serve", "--host", HOST, "--port", str(self.port)],
                             self.env, self.dir, f"{self.base}/api/v1/health", self.dir / "server.log")
        self.client: httpx.Client | None = None
        self.org = ""

    def setup(self) -> float:
        """Migrate, create org, user and token; seconds the migration took."""
        _, t_migrate = timed(lambda: run_cli(["migrate"], self.env))
        self.org = run_cli(["org", "create", "基准测试机构", "--kind", "enterprise"], self.env)
        run_cli(["user", "create", "bench@example.com", "--org", self.org, "--role", "manager", "--password-stdin",
                 "--role", "annotator"], self.env, stdin=secrets.token_urlsafe(16) + "\n")
        token = run_cli(["token", "create", "--user", "bench@example.com", "--name", "bench"], self.env)
        self.client = httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {token}"},
                                   timeout=REQUEST_TIMEOUT_S)
        (self.dir / "config.xml").write_text(LS_CONFIG, encoding="utf-8")
        return t_migrate

    def project(self, title: str) -> int:
        pid = int(run_cli(["project", "create", "--org", self.org, "--title", title,
                           "--labelstudio-config", str(self.dir / "config.xml")], self.env))
        for role in ("manager", "annotator"):
            run_cli(["project", "add-member", str(pid), "bench@example.com", "--role", role], self.env)
        return pid

    def import_file(self, project: int, path: Path) -> dict[str, Any]:
        assert self.client is not None
        with path.open("rb") as fh:  # the file as the request body, streamed
            job = check(self.client.post(f"/api/v1/projects/{project}/imports", content=fh,
                                         headers={"Content-Type": "application/x-ndjson"}), 202).json()
        deadline = time.perf_counter() + IMPORT_TIMEOUT_S
        while time.perf_counter() < deadline:
            job = check(self.client.get(f"/api/v1/jobs/{job['id']}", params={"wait": 10})).json()  # long poll
            if job["state"] == "succeeded":
                return job["result"]
            if job["state"] == "failed":
                raise RuntimeError(f"import failed: {job['error']}")
        raise RuntimeError(f"import did not finish within {IMPORT_TIMEOUT_S:.0f} s")

    def loop(self, project: int, warmup: int, iterations: int) -> LoopResult:
        c = self.client
        assert c is not None
        counter = iter(range(10**9))

        def nxt() -> int:
            return check(c.post(f"/api/v1/projects/{project}/next")).json()["annotation_id"]

        def submit(aid: int) -> None:
            label = LABELS[next(counter) % 3]
            check(c.post(f"/api/v1/annotations/{aid}/submit", json={"result": {"sentiment": {"choices": [label]}},
                                                                     "lead_time": 1.0}))

        return loop(nxt, submit, warmup, iterations)

    def export(self, project: int) -> tuple[int, int]:
        """(bytes, records) of the full JSONL export."""
        assert self.client is not None
        n_bytes = n_lines = 0
        with self.client.stream("GET", f"/api/v1/projects/{project}/export", params={"format": "jsonl"},
                                timeout=EXPORT_TIMEOUT_S) as r:
            check(r)
            for chunk in r.iter_bytes():
                n_bytes += len(chunk)
                n_lines += chunk.count(b"\n")
        return n_bytes, n_lines

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        self.server.stop()


# ---------------------------------------------------------------- Label Studio


class Peer:
    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "labelstudio"
        self.dir.mkdir()
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.token = secrets.token_hex(20)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO_", "DJANGO_"))}
        env.update(LABEL_STUDIO_COLLECT_ANALYTICS="false", LABEL_STUDIO_LATEST_VERSION_CHECK="false",
                   LABEL_STUDIO_BASE_DATA_DIR=str(self.dir / "data"), PYTHONUNBUFFERED="1")
        argv = [str(PEER_BIN), "start", "--no-browser", "--internal-host", HOST, "--port", str(self.port),
                "--username", "bench@example.com", "--password", secrets.token_urlsafe(16),
                "--user-token", self.token, "--enable-legacy-api-token", "--log-level", "WARNING"]
        self.server = Server("label-studio", argv, env, self.dir, f"{self.base}/health", self.dir / "server.log")
        self.client = httpx.Client(base_url=self.base, headers={"Authorization": f"Token {self.token}"},
                                   timeout=REQUEST_TIMEOUT_S)

    def project(self, title: str) -> int:
        r = check(self.client.post("/api/projects", json={"title": title, "label_config": LS_CONFIG}), 201)
        return r.json()["id"]

    def import_tasks(self, project: int, n: int) -> int:
        total = 0
        for body in ls_chunks(n):
            r = check(self.client.post(f"/api/projects/{project}/import", content=body,
                                       headers={"Content-Type": "application/json"}, timeout=IMPORT_TIMEOUT_S), 201)
            total += r.json()["task_count"]
        return total

    def loop(self, project: int, warmup: int, iterations: int) -> LoopResult:
        c = self.client
        counter = iter(range(10**9))

        def nxt() -> int:
            return check(c.get(f"/api/projects/{project}/next")).json()["id"]

        def submit(task_id: int) -> None:
            label = LABELS[next(counter) % 3]
            result = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]
            check(c.post(f"/api/tasks/{task_id}/annotations", params={"project": project},
                         json={"result": result, "lead_time": 1.0}), 201)

        return loop(nxt, submit, warmup, iterations)

    def export(self, project: int) -> tuple[int, int]:
        n_bytes, body = 0, bytearray()
        with self.client.stream("GET", f"/api/projects/{project}/export",
                                params={"exportType": "JSON", "download_all_tasks": "true"},
                                timeout=EXPORT_TIMEOUT_S) as r:
            check(r)
            for chunk in r.iter_bytes():
                n_bytes += len(chunk)
                body += chunk
        return n_bytes, len(json.loads(bytes(body)))

    def close(self) -> None:
        self.client.close()
        self.server.stop()


# ---------------------------------------------------------------- the run


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def bench_side(side: Any, name: str, n: int, jsonl: Path | None, warmup: int, iterations: int,
               fig: dict[str, Any]) -> None:
    """Phases 1-4 on one server: first start, import, loop, export (with peak RSS), restart."""
    srv: Server = side.server
    fig["start_first_s"] = srv.start()
    time.sleep(2.0)
    fig["rss_idle_mib"] = rss_mib(srv.pid)
    say(f"{name}: up in {fig['start_first_s']:.1f} s, {fig['rss_idle_mib']:.0f} MiB")
    project = side.project("情感分类基准")
    if jsonl is not None:
        report, t = timed(lambda: side.import_file(project, jsonl))
        imported = report["tasks"]
    else:
        imported, t = timed(lambda: side.import_tasks(project, n))
    if imported != n:
        raise RuntimeError(f"{name} imported {imported} of {n} tasks")
    fig["import_s"], fig["import_rate"] = t, n / t
    say(f"{name}: imported {n:,} tasks in {t:.1f} s ({n / t:,.0f} tasks/s)")
    res = side.loop(project, warmup, iterations)
    fig.update(res.summary())
    say(f"{name}: next p50/p95 {fig['next_p50']:.1f}/{fig['next_p95']:.1f} ms, "
        f"submit p50/p95 {fig['submit_p50']:.1f}/{fig['submit_p95']:.1f} ms")
    fig["rss_loaded_mib"] = rss_mib(srv.pid)
    with PeakRss(srv.pid) as peak:
        (n_bytes, n_records), t = timed(lambda: side.export(project))
    if n_records != n:
        raise RuntimeError(f"{name} exported {n_records} of {n} tasks")
    fig["export_s"], fig["export_mib"], fig["export_peak_rss_mib"] = t, n_bytes / 2**20, peak.peak
    fig["export_rss_before_mib"] = peak.samples[0] if peak.samples else fig["rss_loaded_mib"]
    say(f"{name}: exported {n_records:,} tasks ({n_bytes / 2**20:.1f} MiB) in {t:.1f} s, "
        f"RSS {fig['export_rss_before_mib']:.0f} -> peak {peak.peak:.0f} MiB")
    srv.stop()
    fig["start_restart_s"] = srv.start()
    side.client.close()  # its keep-alive connections went with the old process
    side.client = httpx.Client(base_url=side.base, headers=dict(side.client.headers), timeout=REQUEST_TIMEOUT_S)
    time.sleep(2.0)
    fig["rss_restart_mib"] = rss_mib(srv.pid)
    say(f"{name}: restarted on {n:,} tasks in {fig['start_restart_s']:.1f} s, {fig['rss_restart_mib']:.0f} MiB")


def bench_big(ours: Ours, big: int, small: int, path: Path, warmup: int, iterations: int,
              fig: dict[str, Any]) -> None:
    """Ours alone: next p95 at ``small`` tasks and at ``big`` tasks; the big import's time."""
    p_small = ours.project("小项目")
    with tempfile.NamedTemporaryFile(suffix=".jsonl", dir=path.parent, delete=False) as tmp:
        small_path = Path(tmp.name)
    write_jsonl(small_path, small)
    ours.import_file(p_small, small_path)
    small_path.unlink()
    fig["small"] = ours.loop(p_small, warmup, iterations).summary()
    say(f"ours: {small:,} tasks: next p50/p95 {fig['small']['next_p50']:.1f}/{fig['small']['next_p95']:.1f} ms")
    p_big = ours.project("大项目")
    with PeakRss(ours.server.pid, every=0.5) as peak:
        _, t = timed(lambda: ours.import_file(p_big, path))
    fig["big_import_s"], fig["big_import_rate"], fig["big_import_peak_rss_mib"] = t, big / t, peak.peak
    say(f"ours: imported {big:,} tasks in {t:.1f} s ({big / t:,.0f} tasks/s), peak RSS {peak.peak:.0f} MiB")
    fig["big"] = ours.loop(p_big, warmup, iterations).summary()
    say(f"ours: {big:,} tasks: next p50/p95 {fig['big']['next_p50']:.1f}/{fig['big']['next_p95']:.1f} ms")


def ratio(peer: float | None, ours: float, higher_is_better: bool) -> str:
    if peer is None or not ours or not peer:
        return "-"
    r = ours / peer if higher_is_better else peer / ours
    return f"{r:,.1f}x"


def report(args: argparse.Namespace, o: dict[str, Any], p: dict[str, Any] | None) -> None:
    n = args.tasks

    def g(d: dict[str, Any] | None, k: str) -> float | None:
        return None if d is None else d.get(k)

    rows = [  # label, key, unit/format, higher is better
        (f"import {n:,} tasks: rate", "import_rate", "{:,.0f} tasks/s", True),
        (f"import {n:,} tasks: time", "import_s", "{:.1f} s", False),
        ("next p50", "next_p50", "{:.1f} ms", False),
        ("next p95", "next_p95", "{:.1f} ms", False),
        ("submit p50", "submit_p50", "{:.1f} ms", False),
        ("submit p95", "submit_p95", "{:.1f} ms", False),
        (f"export {n:,} tasks (JSON)", "export_s", "{:.1f} s", False),
        ("export size", "export_mib", "{:.1f} MiB", None),
        ("RSS before export", "export_rss_before_mib", "{:.0f} MiB", None),
        ("peak RSS during export", "export_peak_rss_mib", "{:.0f} MiB", False),
        ("first start (empty data dir)", "start_first_s", "{:.1f} s", False),
        ("restart (filled data dir)", "start_restart_s", "{:.1f} s", False),
        ("RSS idle after first start", "rss_idle_mib", "{:.0f} MiB", False),
        ("RSS after restart", "rss_restart_mib", "{:.0f} MiB", False),
    ]
    ours_db = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\n== Annotation: Crowdset vs Label Studio 1.23 ({n:,} tasks, loop {args.iterations} iterations "
          f"after {args.warmup} warm-up; Crowdset on {ours_db}, Label Studio on SQLite)")
    w = 34
    print(f"{'figure':<{w}} {'Crowdset':>16} {'Label Studio':>16} {'ours vs peer':>13}")
    print("-" * (w + 48))
    for label, key, fmt, better in rows:
        ov, pv = g(o, key), g(p, key)
        os_ = fmt.format(ov) if ov is not None else "-"
        ps_ = fmt.format(pv) if pv is not None else "-"
        r = "-" if better is None or ov is None else ratio(pv, ov, better)
        print(f"{label:<{w}} {os_:>16} {ps_:>16} {r:>13}")
    if o.get("migrate_s") is not None:
        print(f"(our first start = `crowdset serve` after `crowdset migrate`, which took {o['migrate_s']:.1f} s; "
              f"Label Studio's first start includes its migrations)")
    print("ratios: rates ours/peer; times, latencies and memory peer/ours (>1x means ours is better)")
    if "big" in o:
        print(f"\n== Crowdset alone at scale ({ours_db}): {args.big:,} tasks")
        print(f"import {args.big:,} tasks: {o['big_import_s']:.1f} s ({o['big_import_rate']:,.0f} tasks/s), "
              f"server peak RSS {o['big_import_peak_rss_mib']:.0f} MiB")
        print(f"{'tasks in project':<20} {'next p50':>9} {'next p95':>9} {'submit p50':>11} {'submit p95':>11}")
        for label, d in ((f"{args.small:,}", o["small"]), (f"{args.big:,}", o["big"])):
            print(f"{label:<20} {d['next_p50']:>7.1f}ms {d['next_p95']:>7.1f}ms {d['submit_p50']:>9.1f}ms "
                  f"{d['submit_p95']:>9.1f}ms")
    print(json.dumps({"ours": o, "peer": p}, default=str), file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", type=int, default=100_000, help="tasks for the side-by-side part")
    ap.add_argument("--big", type=int, default=200_000,
                    help="tasks for our at-scale part (0 skips it; the documented 1M figures use --big 1000000)")
    ap.add_argument("--small", type=int, default=1_000, help="the small project to compare next p95 with")
    ap.add_argument("--iterations", type=int, default=200, help="measured next -> submit iterations")
    ap.add_argument("--warmup", type=int, default=20, help="unmeasured iterations first")
    ap.add_argument("--no-peer", action="store_true", help="run ours only")
    ap.add_argument("--keep", action="store_true", help="keep the temporary data directories")
    ap.add_argument("--database-url", default=None,
                    help="run ours on this (empty, already created) database instead of SQLite, e.g. "
                         "postgresql+psycopg://postgres@127.0.0.1:5432/bench (the peer stays on SQLite)")
    args = ap.parse_args()
    if args.tasks < args.warmup + args.iterations or (args.big and args.big < args.warmup + args.iterations):
        ap.error("--tasks and --big must be at least --warmup + --iterations")
    if not CROWDSET.exists():
        ap.error(f"{CROWDSET} not found: run `make setup` first")
    peer_ok = not args.no_peer and PEER_BIN.exists()
    if not args.no_peer and not peer_ok:
        print(f"Label Studio not found at {PEER_BIN}: create it with `bash benchmarks/peers/setup_labelstudio.sh` "
              f"(or pass --no-peer). Running ours only.", flush=True)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"{date.today().isoformat()}", flush=True)

    work = Path(tempfile.mkdtemp(prefix="bench-annotation-"))
    ours_fig: dict[str, Any] = {}
    peer_fig: dict[str, Any] | None = {} if peer_ok else None
    ours = peer = None
    try:
        jsonl = work / "tasks.jsonl"
        write_jsonl(jsonl, args.tasks)
        ours = Ours(work, args.database_url)
        ours_fig["migrate_s"] = ours.setup()
        bench_side(ours, "ours", args.tasks, jsonl, args.warmup, args.iterations, ours_fig)
        jsonl.unlink()
        if args.big:
            big_path = work / "big.jsonl"
            write_jsonl(big_path, args.big)
            bench_big(ours, args.big, args.small, big_path, args.warmup, args.iterations, ours_fig)
            big_path.unlink()
        ours.close()
        ours = None
        if peer_ok:
            assert peer_fig is not None
            peer = Peer(work)
            try:
                bench_side(peer, "label-studio", args.tasks, None, args.warmup, args.iterations, peer_fig)
            except (RuntimeError, httpx.HTTPError) as exc:  # keep what was measured; say what failed
                say(f"label-studio: stopped early: {exc!r} (log: {peer.server.log})")
            peer.close()
            peer = None
    finally:
        for side in (ours, peer):
            if side is not None:
                side.close()
        if args.keep:
            print(f"data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    report(args, ours_fig, peer_fig)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
