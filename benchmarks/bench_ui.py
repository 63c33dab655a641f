"""Benchmark: time from a click on Submit to the next task shown, in a real browser.

Usage::

    .venv/bin/python benchmarks/bench_ui.py [--tasks 100] [--no-peer]

Both editors get the same generated Chinese text-classification tasks (three options), each text
tagged with a marker ``⟦i⟧``. The browser (Debian chromium, headless, via Playwright) picks an option,
then a script in the page notes ``performance.now()``, clicks Submit, and checks on every animation
frame until the next task is on screen (ours: the editor shows another lease; Label Studio: the page
text carries another marker); the next frame after that ends the measurement. Same method, same
machine, same run for both. Label Studio comes from its own virtual environment (see
``benchmarks/peers/``), started on 127.0.0.1 with a temporary data directory and stopped by its pid;
the browser logs in through its login page and works the project's labelling stream
(``/projects/{id}/data?labeling=1``), picking the choice with its hotkey as in ours. Each side's
``stored`` is the number of annotations the server kept (should be tasks - 1). The first start of
Label Studio runs its migrations; ``LABEL_STUDIO_START_S`` bounds the wait (default 600 s).
Not a test: figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
CHROMIUM = os.environ.get("CROWDSET_CHROMIUM", "/usr/bin/chromium")
PEER_BIN = Path(os.environ.get("LABEL_STUDIO_VENV", "/root/.cache/crowdset-bench/labelstudio")) / "bin" / "label-studio"
OPTIONS = ["正面", "负面", "中性"]
LS_CONFIG = ('<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text" choice="single">'
             + "".join(f'<Choice value="{o}"/>' for o in OPTIONS) + "</Choices></View>")
PASSWORD = "bench-password-123"
PEER_USER = "u@example.com"
PEER_START_S = float(os.environ.get("LABEL_STUDIO_START_S", "600"))

# Polls on animation frames until `done()` holds, then waits one more frame (the task is painted).
MEASURE = """async ([clickSel, doneSrc]) => {
  const done = new Function(doneSrc);
  const btn = document.querySelector(clickSel);
  const t0 = performance.now();
  btn.click();
  return await new Promise((resolve, reject) => {
    const stop = t0 + 30000;
    const tick = () => {
      if (done()) return requestAnimationFrame(() => resolve(performance.now() - t0));
      if (performance.now() > stop) return reject(new Error('next task not shown within 30 s'));
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def texts(n: int) -> list[str]:
    return [f"⟦{i}⟧ 第{i}条评论：菜品{'很好' if i % 2 else '一般'}，服务{'周到' if i % 3 else '很慢'}。"
            for i in range(n)]


class Proc:
    """A server subprocess in its own session, stopped by its pid (process group) only."""

    client: httpx.Client | None = None  # the peer's API client (token auth), set by start_peer

    def __init__(self, argv: list[str], env: dict[str, str], health: str, log: Path, wait_s: float = 180) -> None:
        with log.open("ab") as fh:
            self.p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.p.poll() is not None:
                raise RuntimeError(f"{argv[0]} exited with {self.p.returncode}; see {log}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(health, timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{health} did not answer within {wait_s:.0f} s")

    def stop(self) -> None:
        if self.p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait(10)


def start_ours(work: Path, n: int) -> tuple[Proc, str, int]:
    env = {**os.environ, "CROWDSET_DATABASE_URL": f"sqlite:///{work / 'crowdset.db'}", "CROWDSET_DATA_DIR": str(work),
           "CROWDSET_JOBS_IMMEDIATE": "1", "CROWDSET_ARGON2_PROFILE": "test", "CROWDSET_LOG_LEVEL": "WARNING"}
    os.environ.update({k: v for k, v in env.items() if k.startswith("CROWDSET_")})
    from crowdset.annotation.importing import import_file
    from crowdset.annotation.projects import add_member, create_project
    from crowdset.auth.service import create_org, create_user
    from crowdset.db import get_db
    from crowdset.migrate import upgrade

    upgrade(env["CROWDSET_DATABASE_URL"])
    path = work / "tasks.jsonl"
    path.write_text("".join(json.dumps({"data": {"text": t}}, ensure_ascii=False) + "\n" for t in texts(n)),
                    encoding="utf-8")
    with get_db().transaction() as s:
        org = create_org(s, None, "基准测试", "enterprise", "福建省福州市")
        manager = create_user(s, None, "manager@example.com", PASSWORD, "manager", org.id, ["manager"])
        worker = create_user(s, None, "annotator@example.com", PASSWORD, "annotator", org.id, ["annotator"])
        schema = {"controls": [{"name": "sentiment", "kind": "choices", "to": "text", "options": OPTIONS}]}
        project = create_project(s, manager, org.id, "UI 基准", schema, status="active")
        add_member(s, manager, project, worker, "annotator")
        import_file(s, None, project, path, "jsonl")
        pid = project.id
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "crowdset.app:create_app", "--factory", "--host", HOST,
            "--port", str(port), "--log-level", "warning"]
    base = f"http://{HOST}:{port}"
    return Proc(argv, env, f"{base}/api/v1/health", work / "ours.log"), base, pid


def start_peer(work: Path, n: int) -> tuple[Proc, str, int]:
    port = free_port()
    token = secrets.token_hex(20)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO_", "DJANGO_", "CROWDSET_"))}
    env.update(LABEL_STUDIO_COLLECT_ANALYTICS="false", LABEL_STUDIO_LATEST_VERSION_CHECK="false",
               LABEL_STUDIO_BASE_DATA_DIR=str(work / "ls-data"), PYTHONUNBUFFERED="1")
    argv = [str(PEER_BIN), "start", "--no-browser", "--internal-host", HOST, "--port", str(port),
            "--username", PEER_USER, "--password", PASSWORD, "--user-token", token,
            "--enable-legacy-api-token", "--log-level", "WARNING"]
    base = f"http://{HOST}:{port}"
    # A fresh data directory means Django migrations first: minutes on a loaded machine.
    proc = Proc(argv, env, f"{base}/health", work / "ls.log", wait_s=PEER_START_S)
    c = httpx.Client(base_url=base, headers={"Authorization": f"Token {token}"}, timeout=60)
    pid = c.post("/api/projects", json={"title": "UI bench", "label_config": LS_CONFIG}).raise_for_status().json()["id"]
    c.post(f"/api/projects/{pid}/import", json=[{"text": t} for t in texts(n)]).raise_for_status()
    proc.client = c
    return proc, base, pid


def peer_annotated(proc: Proc, pid: int) -> int:
    """How many tasks Label Studio stored an annotation for (the submits really went through)."""
    assert proc.client is not None
    j = proc.client.get(f"/api/projects/{pid}").raise_for_status().json()
    return int(j.get("num_tasks_with_annotations", j.get("total_annotations_number")) or 0)


def ours_stored(pid: int) -> int:
    from sqlalchemy import func, select

    from crowdset.annotation.models import Annotation
    from crowdset.db import get_db

    with get_db().reading() as s:
        return int(s.scalar(select(func.count(Annotation.id)).where(Annotation.project_id == pid,
                                                                      Annotation.status == "submitted")) or 0)


def measure_ours(browser: Any, base: str, pid: int, n: int) -> list[float]:
    ctx = browser.new_context(base_url=base, locale="zh-CN", viewport={"width": 1366, "height": 860})
    page = ctx.new_page()
    page.goto("/login")
    page.fill("#email", "annotator@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto(f"/work/{pid}")
    page.wait_for_selector("#editor[data-annotation-id]:not([data-annotation-id=''])")
    out = []
    for i in range(n - 1):  # the last submit shows "nothing left", not a task
        before = page.get_attribute("#editor", "data-annotation-id")
        page.keyboard.press(str(i % 3 + 1))
        done = f"const v = document.getElementById('editor').dataset.annotationId; return v && v !== {before!r};"
        out.append(page.evaluate(MEASURE, ["#btn-submit", done]))
    ctx.close()
    return out


def measure_peer(browser: Any, base: str, pid: int, n: int) -> list[float]:
    """Label Studio 1.23: its login page, then the project's labelling stream (the "Label All Tasks"
    view). The choice is picked with its hotkey (1-3, as in ours) and checked before Submit."""
    ctx = browser.new_context(base_url=base, locale="en-US", viewport={"width": 1366, "height": 860})
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.goto("/user/login/")
    page.fill("input[name=email]", PEER_USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/user/login" not in url)
    page.goto(f"/projects/{pid}/data?labeling=1")
    marker = "const m = document.body.textContent.match(/⟦(\\d+)⟧/); return m ? m[1] : null;"
    page.wait_for_function(f"() => {{ {marker} }}")
    submit = "button[aria-label='Submit current annotation']"
    page.wait_for_selector(submit)
    out = []
    for i in range(n - 1):
        current = page.evaluate(f"() => {{ {marker} }}")
        page.wait_for_selector(f"{submit}:not([disabled])")
        page.keyboard.press(str(i % 3 + 1))
        page.wait_for_function(
            "() => document.querySelectorAll('input[type=radio]:checked, input[type=checkbox]:checked').length > 0")
        done = f"{marker.replace('return m ? m[1] : null;', '')} return m && m[1] !== {current!r};"
        out.append(page.evaluate(MEASURE, [submit, done]))
    ctx.close()
    return out


def summary(name: str, ms: list[float]) -> dict[str, Any]:
    return {"editor": name, "n": len(ms), "p50_ms": round(pct(ms, 50), 1), "p95_ms": round(pct(ms, 95), 1),
            "mean_ms": round(statistics.fmean(ms), 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tasks", type=int, default=101, help="tasks per editor (submits = tasks - 1)")
    ap.add_argument("--no-peer", action="store_true")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    results = []
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp, sync_playwright() as pw:
        work = Path(tmp)
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        ours, base, pid = start_ours(work / "ours" if (work / "ours").mkdir() is None else work, args.tasks)
        try:
            results.append(summary("crowdset", measure_ours(browser, base, pid, args.tasks)))
            results[-1]["stored"] = ours_stored(pid)
        finally:
            ours.stop()
        print(json.dumps(results[-1], ensure_ascii=False), flush=True)
        if not args.no_peer and PEER_BIN.exists():
            (work / "peer").mkdir()
            try:
                t0 = time.monotonic()
                peer, pbase, ppid = start_peer(work / "peer", args.tasks)
                started_s = round(time.monotonic() - t0, 1)
                try:
                    results.append(summary("label-studio", measure_peer(browser, pbase, ppid, args.tasks)))
                    results[-1]["stored"] = peer_annotated(peer, ppid)
                    results[-1]["start_s"] = started_s
                finally:
                    peer.stop()
                print(json.dumps(results[-1], ensure_ascii=False), flush=True)
            except Exception as exc:  # noqa: BLE001 - the peer is best effort; ours still counts
                print(f"label-studio: not measured ({type(exc).__name__}: {exc})", flush=True)
                with contextlib.suppress(OSError):
                    print((work / "peer" / "ls.log").read_text()[-2000:], flush=True)
        browser.close()
    if len(results) == 2:
        ours_r, peer_r = results
        print(f"label-studio / crowdset: p50 {peer_r['p50_ms'] / ours_r['p50_ms']:.1f}x, "
              f"p95 {peer_r['p95_ms'] / ours_r['p95_ms']:.1f}x", flush=True)
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
