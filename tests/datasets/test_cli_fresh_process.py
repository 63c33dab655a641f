"""``crowdset datasets upload`` in a fresh process, as an operator runs it.

In-process tests (CliRunner) run after the app and every domain's tables have been imported, so they
could not see that a bare ``crowdset datasets upload`` once failed with NoReferencedTableError: the
version row's foreign key to ``projects`` named a table nobody had imported in that process.
``crowdset.wiring.wire()`` now imports every table first; this runs the real executable against
its own SQLite database to keep it so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.datasets.helpers import jsonl, records

CROWDSET = Path(sys.executable).with_name("crowdset")


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(CROWDSET), *args], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, f"crowdset {' '.join(args)} exited {done.returncode}:\n{done.stderr}"
    return done.stdout


def test_upload_in_a_fresh_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROWDSET_")}
    env.update(CROWDSET_DATA_DIR=str(tmp_path / "data"), CROWDSET_ARGON2_PROFILE="test")
    _run(env, "migrate")
    org_id = _run(env, "org", "create", "甲标注公司", "--kind", "enterprise").strip()
    dataset_id = _run(env, "datasets", "create", "--org", org_id, "--name", "交通数据").strip()
    data = tmp_path / "flow.jsonl"
    data.write_bytes(jsonl(records(12)))

    out = _run(env, "datasets", "upload", dataset_id, str(data))

    assert out.startswith("version 1: 12 records, sha256 "), out
    doc = json.loads(_run(env, "datasets", "croissant", dataset_id))
    assert doc["version"] == "1" and {f["name"] for f in doc["recordSet"][0]["field"]} >= {"id", "text", "label"}
