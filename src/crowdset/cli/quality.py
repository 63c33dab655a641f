"""``crowdset quality ...`` commands (a Typer app that the main CLI mounts).

Bad input never produces a traceback: it prints ``error: <reason>`` to stderr and exits with code 2.
"""

from __future__ import annotations

import csv
import functools
import io as _io
import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

# pandas and numpy load inside the commands that use them: every `crowdset` command imports this module
if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(
    help="Quality control: aggregate crowd labels, measure inter-annotator agreement, score annotators.",
    no_args_is_help=True,
    add_completion=False,
)

F = TypeVar("F", bound=Callable[..., Any])


class Method(StrEnum):
    mv = "mv"
    wmv = "wmv"
    ds = "ds"
    onecoin = "onecoin"
    glad = "glad"
    mace = "mace"
    bt = "bt"


class OutFormat(StrEnum):
    csv = "csv"
    json = "json"
    table = "table"


class Level(StrEnum):
    nominal = "nominal"
    ordinal = "ordinal"
    interval = "interval"
    ratio = "ratio"


def _stderr() -> Console:
    return Console(stderr=True, highlight=False)


def _fail(message: str, code: int = 2) -> typer.Exit:
    _stderr().print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)
    return typer.Exit(code=code)


def _guard(fn: F) -> F:
    """Turn expected input problems into a one-line message + exit code 2 (1 for unexpected errors)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except (ValueError, KeyError, OSError) as exc:
            msg = str(exc) if not isinstance(exc, KeyError) else f"missing key {exc}"
            raise _fail(msg.replace("[", "\\[")) from None
        except Exception as exc:  # noqa: BLE001 - last-resort: message instead of a traceback
            raise _fail(f"unexpected {type(exc).__name__}: {exc}".replace("[", "\\["), code=1) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def _status(message: str) -> Iterator[None]:
    """Spinner on stderr for slow steps (silent when stderr is not a terminal)."""
    with _stderr().status(message):
        yield


def _jsonable(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _jsonable(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _cell(value: Any) -> str:
    value = _jsonable(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _write_csv(df: pd.DataFrame, fh: Any) -> None:
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(list(df.columns))
    for row in df.itertuples(index=False, name=None):
        writer.writerow([_cell(v) for v in row])


def _table(df: pd.DataFrame, title: str | None = None) -> Table:
    from pandas.api.types import is_numeric_dtype

    table = Table(title=title, show_lines=False)
    for col in df.columns:
        table.add_column(str(col), justify="right" if is_numeric_dtype(df[col]) else "left")
    for row in df.itertuples(index=False, name=None):
        table.add_row(*[_cell(v) for v in row])
    return table


def _emit(frames: dict[str, pd.DataFrame], fmt: OutFormat, out: Path | None, *, csv_frame: pd.DataFrame) -> None:
    """Write one or more tables: CSV (``csv_frame``), JSON (all frames) or rich tables; to ``out`` or stdout."""
    if fmt is OutFormat.csv:
        text = _io.StringIO()
        _write_csv(csv_frame, text)
        payload = text.getvalue()
    elif fmt is OutFormat.json:
        obj: Any = _records(next(iter(frames.values()))) if len(frames) == 1 else {
            k: _records(v) for k, v in frames.items()
        }
        payload = json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
    else:
        buf = _io.StringIO()
        console = Console(file=buf, width=160, highlight=False, force_terminal=False)
        for name, frame in frames.items():
            console.print(_table(frame, title=name if len(frames) > 1 else None))
        payload = buf.getvalue()
    if out is None:
        sys.stdout.write(payload)
        sys.stdout.flush()
    else:
        out.write_text(payload, encoding="utf-8")
        _stderr().print(f"wrote {out}")


def _load_gold(labels: pd.DataFrame, gold_path: Path | None) -> dict[Any, Any]:
    from crowdset.quality.io import gold_from_labels, read_gold

    gold = gold_from_labels(labels)
    if gold_path is not None:
        gold.update(read_gold(gold_path))
    return gold


LabelsArg = Annotated[Path, typer.Argument(help="LABELS file (.csv, .jsonl, .parquet) with task, worker, label.")]
OutOpt = Annotated[Path | None, typer.Option("-o", "--out", help="Write here instead of stdout.", dir_okay=False)]
GoldOpt = Annotated[
    Path | None, typer.Option("--gold", help="GOLD file with task and label (or gold) columns.", dir_okay=False)
]


@app.command()
@_guard
def aggregate(
    labels: LabelsArg,
    method: Annotated[Method, typer.Option("--method", "-m", help="Aggregation model.")] = Method.ds,
    out: OutOpt = None,
    fmt: Annotated[OutFormat, typer.Option("--format", "-f", help="Output format.")] = OutFormat.csv,
    gold: GoldOpt = None,
) -> None:
    """Aggregate labels: one row per task with ``task,label,confidence``.

    Labels are written exactly as they appear in the input. For ``--method bt`` LABELS holds pairwise
    judgements (``worker,left,right,label`` with label = the winner) and the output is ``item,score``.
    """
    from crowdset.quality.io import read_labels, read_pairwise

    if method is Method.bt:
        from crowdset.quality.aggregation.pairwise import bradley_terry

        with _status("Reading comparisons..."):
            pairs = read_pairwise(labels)
        with _status("Fitting Bradley-Terry..."):
            scores = bradley_terry(pairs)
        _emit({"scores": scores}, fmt, out, csv_frame=scores)
        return
    from crowdset.quality.aggregation import aggregate as run

    with _status("Reading labels..."):
        df = read_labels(labels)
    if df.empty:
        raise ValueError(f"{labels}: no labels")
    gold_map = _load_gold(df, gold)
    with _status(f"Aggregating {len(df):,} labels with {method.value}..."):
        result = run(df, method.value, gold=gold_map or None)
    frame = result.to_frame()
    _emit({"aggregate": frame}, fmt, out, csv_frame=frame)


@app.command()
@_guard
def agreement(
    labels: LabelsArg,
    fmt: Annotated[OutFormat, typer.Option("--format", "-f", help="Output format.")] = OutFormat.table,
    level: Annotated[Level, typer.Option("--level", help="Krippendorff alpha level of measurement.")] = Level.nominal,
    min_common: Annotated[int, typer.Option("--min-common", min=1, help="Min shared tasks per pair.")] = 1,
    out: OutOpt = None,
) -> None:
    """Inter-annotator agreement: percent agreement, Fleiss' kappa, Krippendorff's alpha, per label, per pair.

    CSV output is tidy: ``scope,label,worker_a,worker_b,metric,value`` (scope = overall | label | pair).
    """
    import pandas as pd

    from crowdset.quality.agreement import agreement_report
    from crowdset.quality.io import read_labels

    with _status("Reading labels..."):
        df = read_labels(labels)
    with _status("Computing agreement..."):
        rep = agreement_report(df, level=level.value, min_common=min_common)
    summary = pd.DataFrame({"metric": list(rep.summary), "value": list(rep.summary.values())}, dtype=object)
    tidy = [{"scope": "overall", "label": "", "worker_a": "", "worker_b": "", "metric": k, "value": v}
            for k, v in rep.summary.items()]
    for row in rep.per_label.to_dict(orient="records"):
        tidy += [{"scope": "label", "label": row["label"], "worker_a": "", "worker_b": "", "metric": m,
                  "value": row[m]} for m in ("n", "specific_agreement", "kappa")]
    for row in rep.per_pair.to_dict(orient="records"):
        tidy += [{"scope": "pair", "label": "", "worker_a": row["worker_a"], "worker_b": row["worker_b"],
                  "metric": m, "value": row[m]} for m in ("n_common", "percent_agreement", "kappa")]
    frames = {"summary": summary, "per_label": rep.per_label, "per_pair": rep.per_pair}
    if fmt is OutFormat.json:
        payload = {"summary": {k: _jsonable(v) for k, v in rep.summary.items()},
                   "per_label": _records(rep.per_label), "per_pair": _records(rep.per_pair)}
        text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        if out is None:
            sys.stdout.write(text)
        else:
            out.write_text(text, encoding="utf-8")
        return
    _emit(frames, fmt, out, csv_frame=pd.DataFrame(tidy, columns=["scope", "label", "worker_a", "worker_b",
                                                                    "metric", "value"]))


@app.command()
@_guard
def workers(
    labels: LabelsArg,
    gold: GoldOpt = None,
    fmt: Annotated[OutFormat, typer.Option("--format", "-f", help="Output format.")] = OutFormat.table,
    out: OutOpt = None,
) -> None:
    """Per-annotator scores: gold accuracy (95% Wilson CI), agreement with the Dawid-Skene consensus,
    spammer score, median lead time and a spam flag with its reason."""
    from crowdset.quality.io import read_labels
    from crowdset.quality.workers import score_workers

    with _status("Reading labels..."):
        df = read_labels(labels)
    if df.empty:
        raise ValueError(f"{labels}: no labels")
    gold_map = _load_gold(df, gold)
    with _status("Scoring workers..."):
        scores = score_workers(df, gold=gold_map or None)
    _emit({"workers": scores}, fmt, out, csv_frame=scores)


def main() -> None:  # pragma: no cover - convenience for ``python -m crowdset.cli.quality``
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
