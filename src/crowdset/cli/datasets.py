"""``crowdset datasets ...``: the catalogue from the command line, one service call a command (the
same the API makes), acting as the operator (``user`` None)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from crowdset.cli.support import progress_bar, user_errors
from crowdset.errors import FieldError, Invalid
from crowdset.messages import msg

app = typer.Typer(help="Dataset catalogue: versions, evaluations, ratings, re-review, cards.", no_args_is_help=True)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


def _read_metadata(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise Invalid(msg("cli.cannot_read", path=str(path), reason=str(exc)),
                      [FieldError("metadata", msg("os.error", reason=str(exc)))]) from None
    if not isinstance(data, dict):
        raise Invalid(msg("cli.metadata_mapping", path=str(path)), [FieldError("metadata", msg("cli.not_mapping"))])
    return data


@app.command("create")
def create(
    org: Annotated[str, typer.Option(help="organisation id or name")],
    name: Annotated[str, typer.Option(help="dataset name")],
    kind: Annotated[str, typer.Option(help="general | industry-general | industry-specific")] = "general",
    domain: Annotated[str, typer.Option(help="domain, e.g. healthcare")] = "",
    modality: Annotated[str, typer.Option(help="text, image, audio, video, multimodal, ...")] = "",
    licence: Annotated[str, typer.Option(help="licence")] = "",
    security_level: Annotated[str, typer.Option(help="general | important | core")] = "general",
    supply_mode: Annotated[str, typer.Option(help="free | custom | paid | pairing")] = "free",
    description: Annotated[str, typer.Option(help="what the dataset is for")] = "",
    metadata: Annotated[Path | None, typer.Option(help="YAML/JSON with further fields (see docs/datasets.md)")] = None,
) -> None:
    """Create a dataset (draft) and print its id."""
    from crowdset.datasets.catalogue import EDITABLE, create_dataset
    from crowdset.db import get_db

    with user_errors():
        meta = _read_metadata(metadata)
        fields = {k: meta.pop(k) for k in list(meta) if k in EDITABLE and k != "extra"}
        extra = {**meta.pop("extra", {}), **meta}
        fields = {"kind": kind, "domain": domain, "modality": modality, "licence": licence,
                  "security_level": security_level, "supply_mode": supply_mode, "description": description,
                  **{k: v for k, v in fields.items()}, "extra": extra}
        with get_db().transaction() as s:
            ds = create_dataset(s, None, org, name, **fields)
            dataset_id = ds.id
    typer.echo(dataset_id)


@app.command("list")
def list_cmd(
    q: Annotated[str | None, typer.Option("--q", "-q", help="text to find (any substring)")] = None,
    domain: Annotated[str | None, typer.Option(help="domain")] = None,
    kind: Annotated[str | None, typer.Option(help="kind")] = None,
    tier: Annotated[str | None, typer.Option(help="reserve tier")] = None,
    grade: Annotated[str | None, typer.Option(help="rating A-D")] = None,
    org: Annotated[str | None, typer.Option(help="organisation id or name")] = None,
) -> None:
    """List datasets: id, status, rating, tier, kind, domain, name."""
    from crowdset.datasets.catalogue import list_datasets
    from crowdset.db import get_db

    with user_errors(), get_db().reading() as s:
        after = 0
        while rows := list_datasets(s, None, after, 500, q, domain, kind, None, tier, grade, None, org or None):
            for d in rows:
                typer.echo(f"{d.id}\t{d.status}\t{d.rating or '-'}\t{d.reserve_tier}\t{d.kind}\t{d.domain}\t{d.name}")
            after = rows[-1].id


@app.command("upload")
def upload(
    dataset: Annotated[int, typer.Argument(help="dataset id")],
    file: Annotated[Path, typer.Argument(help="JSONL, CSV, Parquet or TC609 JSONL", exists=True, dir_okay=False)],
    version: Annotated[str | None, typer.Option(help="version label (default: next number)")] = None,
    format: Annotated[str | None, typer.Option(help="jsonl | csv | parquet | tc609 (default: by extension)")] = None,
) -> None:
    """Add an immutable version from a file."""
    from crowdset.datasets.versions import upload_version
    from crowdset.db import get_db

    with user_errors(), get_db().transaction() as s, file.open("rb") as fh:
        v = upload_version(s, None, dataset, fh, file.name, format, version)
        line = f"version {v.version}: {v.record_count} records, sha256 {v.content_hash}"
    typer.echo(line)


@app.command("publish-project")
def publish_project(
    dataset: Annotated[int, typer.Argument(help="dataset id")],
    project: Annotated[int, typer.Option(help="project id")],
    format: Annotated[str, typer.Option(help="tc609 | jsonl")] = "tc609",
    version: Annotated[str | None, typer.Option(help="version label (default: next number)")] = None,
) -> None:
    """Publish a project's export as a new version."""
    from crowdset.datasets.versions import publish_project
    from crowdset.db import get_db

    with user_errors(), get_db().transaction() as s:
        v = publish_project(s, None, dataset, project, format, version)
        line = f"version {v.version} from project {project}: {v.record_count} records, sha256 {v.content_hash}"
    typer.echo(line)


@app.command("evaluate")
def evaluate(
    dataset: Annotated[int, typer.Argument(help="dataset id")],
    version: Annotated[str | None, typer.Option(help="version (default: newest)")] = None,
    profile: Annotated[str | None, typer.Option(help="profile (default: the dataset's domain or general)")] = None,
) -> None:
    """Evaluate a version now (progress bar), store the report and update rating and tier."""
    from crowdset.datasets.evaluations import evaluate_now

    with user_errors(), progress_bar() as bar:
        task = bar.add_task("evaluating", total=100)
        ev_id, result = evaluate_now(None, dataset, version, profile,
                                     lambda pct, msg: bar.update(task, completed=pct, description=msg))
    typer.echo(f"evaluation {ev_id}: grade {result['grade']}; rating {result['rating']}, tier {result['tier']}")


@app.command("rereview")
def rereview_cmd(
    now: Annotated[str | None, typer.Option(help="ISO date-time to judge what is due by (default: now)")] = None,
) -> None:
    """Re-evaluate every dataset whose rating validity has passed; demote or suspend as needed."""
    from crowdset.datasets.rereview import rereview

    with user_errors():
        try:
            when = datetime.fromisoformat(now) if now else None
        except ValueError:
            raise Invalid(msg("cli.now_iso"), [FieldError("now", msg("cli.not_iso"))]) from None
        with progress_bar() as bar:
            task = bar.add_task("re-reviewing", total=100)
            summary = rereview(when, None, lambda i, n, msg: bar.update(task, completed=100 * i / max(n, 1),
                                                                       description=msg))
    typer.echo(f"re-review at {summary['now']}: {summary['due']} due; "
               + (", ".join(f"{k} {v}" for k, v in sorted(summary["outcomes"].items())) or "nothing to do"))
    for r in summary["datasets"]:
        typer.echo(f"  {r['dataset_id']}\t{r['outcome']}\t{r['old_rating'] or '-'}→{r['new_rating'] or '-'}\t"
                   f"{r['old_tier']}→{r['new_tier']}\t{r['name']}" + (f"\t{r['error']}" if r["error"] else ""))


@app.command("card")
def card_cmd(
    dataset: Annotated[int, typer.Argument(help="dataset id")],
    lang: Annotated[str, typer.Option(help="zh | en | both")] = "both",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="file (default: stdout)")] = None,
) -> None:
    """Dataset card in Markdown (Datasheets for Datasets)."""
    from crowdset.datasets.card import dataset_card
    from crowdset.db import get_db

    with user_errors(), get_db().reading() as s:
        text = dataset_card(s, None, dataset, lang)
    _write(text, output)


@app.command("croissant")
def croissant_cmd(
    dataset: Annotated[int, typer.Argument(help="dataset id")],
    base_url: Annotated[str, typer.Option(help="server address for contentUrl, e.g. https://data.example.cn")] = "",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="file (default: stdout)")] = None,
) -> None:
    """Croissant 1.0 JSON-LD with RAI properties."""
    from crowdset.datasets.croissant import dataset_croissant
    from crowdset.db import get_db

    with user_errors(), get_db().reading() as s:
        doc = dataset_croissant(s, None, dataset, base_url)
    _write(json.dumps(doc, ensure_ascii=False, indent=2), output)
