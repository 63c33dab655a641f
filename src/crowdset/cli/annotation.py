"""CLI for projects: create (from our schema or a Label Studio config), import, export, members."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from crowdset.cli.support import err, error_exit, progress_bar
from crowdset.errors import CrowdsetError, FieldError, Invalid
from crowdset.messages import msg

project_app = typer.Typer(help="Annotation projects.", no_args_is_help=True)


def _read_schema(schema: Path | None, ls_config: Path | None) -> tuple[dict | None, str | None]:
    """The schema file's JSON or the Label Studio config's text (exactly one given); the conversion of
    a config is the service's, whose errors name ``labelstudio_config.<tag>`` as the API's do."""
    if (schema is None) == (ls_config is None):
        raise Invalid(msg("cli.schema_or_config"), [FieldError("schema", msg("field.required"))])
    if schema is not None:
        try:
            return json.loads(schema.read_text(encoding="utf-8")), None
        except (OSError, json.JSONDecodeError) as exc:
            raise Invalid(msg("cli.cannot_read", path=str(schema), reason=str(exc)),
                          [FieldError("schema", msg("os.error", reason=str(exc)))]) from None
    try:
        return None, ls_config.read_text(encoding="utf-8")
    except OSError as exc:
        raise Invalid(msg("cli.cannot_read", path=str(ls_config), reason=str(exc)),
                      [FieldError("labelstudio_config", msg("os.error", reason=str(exc)))]) from None


@project_app.command("create")
def create(
    org: Annotated[str, typer.Option(help="organisation id or name")],
    title: Annotated[str, typer.Option(help="project title")],
    schema: Annotated[Path | None, typer.Option(help="label schema JSON file")] = None,
    labelstudio_config: Annotated[Path | None, typer.Option(help="Label Studio labelling config (XML)")] = None,
    overlap: Annotated[int, typer.Option(help="annotators per task")] = 1,
    gold_ratio: Annotated[float, typer.Option(help="share of gold tasks mixed in (0-1)")] = 0.0,
    review_policy: Annotated[str, typer.Option(help="none | sample | all")] = "none",
    review_sample: Annotated[float, typer.Option(help="share reviewed under 'sample'")] = 0.0,
    agreement_threshold: Annotated[float, typer.Option(help="below this agreement a task goes to an expert")] = 0.0,
    lease_seconds: Annotated[int, typer.Option(help="how long a leased task is held")] = 1800,
    instructions: Annotated[Path | None, typer.Option(help="Markdown instructions file")] = None,
) -> None:
    """Create a project and print its id."""
    from crowdset.annotation.projects import create_project
    from crowdset.auth.service import find_org
    from crowdset.db import get_db

    try:
        label_schema, config = _read_schema(schema, labelstudio_config)
        text = instructions.read_text(encoding="utf-8") if instructions else ""
        with get_db().transaction() as s:
            project = create_project(
                s, None, find_org(s, org).id, title, label_schema, labelstudio_config=config, instructions=text,
                overlap=overlap,
                gold_ratio=gold_ratio, review_policy=review_policy, review_sample=review_sample,
                agreement_threshold=agreement_threshold, lease_seconds=lease_seconds)
            project_id = project.id
    except CrowdsetError as exc:
        raise error_exit(exc) from None
    typer.echo(project_id)


@project_app.command("add-member")
def add_member_cmd(
    project: Annotated[int, typer.Argument(help="project id")],
    user: Annotated[str, typer.Argument(help="user email or id")],
    role: Annotated[str, typer.Option(help="manager | annotator | reviewer | expert")] = "annotator",
) -> None:
    """Give a user a role in a project."""
    from crowdset.annotation.projects import add_project_member
    from crowdset.auth.service import find_user
    from crowdset.db import get_db

    try:
        with get_db().transaction() as s:
            add_project_member(s, None, project, find_user(s, user).id, role)
    except CrowdsetError as exc:
        raise error_exit(exc) from None
    typer.echo(f"{user} is now {role} in project {project}")


@project_app.command("quality")
def quality_cmd(
    project: Annotated[int, typer.Argument(help="project id")],
    method: Annotated[str, typer.Option(help="mv | wmv | ds | onecoin | glad | mace | wawa | zbs")] = "ds",
    control: Annotated[str | None, typer.Option(help="one classification control (all when omitted)")] = None,
) -> None:
    """Run quality control on a project: final labels, agreement, annotator scores, label errors."""
    from crowdset.annotation.quality_runs import run_project_quality
    from crowdset.db import get_db

    try:
        with progress_bar() as bar:
            task = bar.add_task("quality", total=100)
            with get_db().transaction() as s:
                run = run_project_quality(s, None, project, method, control,
                                          lambda pct, msg: bar.update(task, completed=pct, description=msg))
                summary = {name: a["summary"] for name, a in run.agreement.items()}
                counts = (run.id, run.n_tasks, run.n_finalised, len(run.label_issues))
    except CrowdsetError as exc:
        raise error_exit(exc) from None
    typer.echo(f"quality run {counts[0]}: {counts[1]} tasks aggregated with {method}, {counts[2]} final results "
               f"written, {counts[3]} likely label errors sent to review")
    for name, summ in summary.items():
        typer.echo(f"  {name}: percent agreement {summ.get('percent_agreement')}, "
                   f"Fleiss kappa {summ.get('fleiss_kappa')}, Krippendorff alpha {summ.get('krippendorff_alpha')}")


def import_cmd(
    file: Annotated[Path, typer.Argument(help="JSONL, CSV or Label Studio JSON file", exists=True, dir_okay=False)],
    project: Annotated[int, typer.Option(help="project id")],
    format: Annotated[str | None, typer.Option(help="jsonl | csv | labelstudio (guessed when omitted)")] = None,
) -> None:
    """Import tasks into a project: all rows or none (every bad row is listed)."""
    from crowdset.annotation.import_requests import import_now
    from crowdset.db import get_db

    try:
        with progress_bar() as bar:
            task = bar.add_task("importing", total=100)
            with get_db().transaction() as s:
                report = import_now(s, None, project, file, format,
                                    lambda pct, msg: bar.update(task, completed=pct, description=msg))
    except CrowdsetError as exc:
        raise error_exit(exc) from None
    typer.echo(f"imported {report['tasks']} tasks ({report['gold']} gold, {report['predictions']} predictions, "
               f"{report['annotations']} annotations) from {report['format']}; import id {report['import_id']}")
    for warning in report.get("warnings", []):
        typer.echo(f"warning: {warning}", err=True)


def export_cmd(
    project: Annotated[int, typer.Option(help="project id")],
    format: Annotated[str, typer.Option(help="jsonl | labelstudio | csv | coco | yolo | conll")] = "jsonl",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="file to write (stdout when omitted)")] = None,
    status: Annotated[str | None, typer.Option(
        help="only tasks in this state: open, review, arbitration, done")] = None,
    annotator: Annotated[str | None, typer.Option(help="only tasks this user (email or id) annotated")] = None,
) -> None:
    """Export a project, streaming (constant memory)."""
    from crowdset.annotation.exporting import ExportFilter, export_project
    from crowdset.auth.service import find_user
    from crowdset.db import get_db

    try:
        with get_db().reading() as s:
            flt = ExportFilter(state=status, annotator_id=find_user(s, annotator).id if annotator else None)
            if output is None:
                report = export_project(s, None, project, format, sys.stdout.buffer, flt)
            else:
                tmp = output.with_name(output.name + ".partial")
                try:
                    with tmp.open("wb") as out:
                        report = export_project(s, None, project, format, out, flt)
                except BaseException:
                    tmp.unlink(missing_ok=True)  # a refused or failed export leaves no partial file
                    raise
                tmp.replace(output)
    except CrowdsetError as exc:
        raise error_exit(exc) from None
    if output is not None:
        err.print(f"wrote {output}: {report}", highlight=False)
