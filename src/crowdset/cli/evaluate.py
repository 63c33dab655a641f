"""``crowdset evaluate PATH --profile NAME --format json|md|html -o OUT [--metadata FILE]``.

Mount in the main CLI with ``main_app.command("evaluate")(evaluate)`` (or ``add_typer(app)``). The exit
code says whether the evaluation *ran* (0, whatever the grade); bad input gives a one-line error and
exit code 2, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


def evaluate(
    path: Annotated[Path, typer.Argument(help="JSONL / CSV / Parquet / TC609 JSONL file, or a folder")],
    profile: Annotated[str, typer.Option("--profile", "-p", help="profile name or YAML path")] = "general",
    format: Annotated[str, typer.Option("--format", "-f", help="json | md | html")] = "json",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write here instead of stdout")] = None,
    metadata: Annotated[Path | None, typer.Option("--metadata", "-m", help="metadata sidecar (YAML/JSON)")] = None,
    media_root: Annotated[Path | None, typer.Option("--media-root", help="folder media paths are relative to")] = None,
) -> None:
    """Evaluate a dataset against the quality model (indicators 0101–0305) and rate it A–D."""
    # the engine (pyarrow, numpy) loads here, not when `crowdset` starts: every command imports this module
    from crowdset.datasets.evaluate.engine import evaluate_path
    from crowdset.datasets.evaluate.metadata import MetadataError
    from crowdset.datasets.evaluate.profiles import ProfileError, load_profile
    from crowdset.datasets.evaluate.readers import ReadError
    from crowdset.datasets.evaluate.render import FORMATS, render

    err = Console(stderr=True)
    fmt = format.lower().lstrip(".")
    fmt = "md" if fmt == "markdown" else fmt
    if fmt not in FORMATS:
        err.print(f"[red]error:[/red] unknown --format {format!r}; use one of {', '.join(FORMATS)}")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        prof = load_profile(profile)
        with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                      console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task("reading", total=None)

            def tick(done: int, total: int, phase: str) -> None:
                bar.update(task, completed=done, total=total or None, description=phase)

            report = evaluate_path(path, prof, metadata=metadata, media_root=media_root, progress=tick)
        text = render(report, fmt)
    except (ReadError, ProfileError, MetadataError) as exc:
        err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except Exception as exc:  # a CLI must not dump a traceback on users; the message names the cause
        err.print(f"[red]error:[/red] evaluation failed: {type(exc).__name__}: {exc}", highlight=False)
        raise typer.Exit(EXIT_FAILED) from None
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            err.print(f"[red]error:[/red] cannot write {output}: {exc}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        err.print(f"grade {report['grade']} · {report['records']} records · written to {output}")


app = typer.Typer(add_completion=False, help="Dataset quality evaluation")
app.command("evaluate")(evaluate)

if __name__ == "__main__":
    app()
