"""Bradley-Terry scores for pairwise comparisons, via crowd-kit's ``BradleyTerry``.

R. A. Bradley and M. E. Terry, "Rank Analysis of Incomplete Block Designs: I. The Method of Paired
Comparisons", Biometrika 39(3/4), 1952, 324-345.

Input format (crowd-kit's pairwise format): one row per judgement with columns ``worker, left, right,
label`` where ``label`` is the winner and must equal ``left`` or ``right``; a ``task`` column, if present,
is ignored.
"""

from __future__ import annotations

import pandas as pd


def bradley_terry(data: pd.DataFrame, *, n_iter: int = 100, tol: float = 1e-5) -> pd.DataFrame:
    """Return ``item, score`` sorted by descending score (scores are BT strengths, summing to 1)."""
    missing = [c for c in ("worker", "left", "right", "label") if c not in data.columns]
    if missing:
        raise ValueError(f"pairwise data is missing column(s): {', '.join(missing)}")
    df = data[["worker", "left", "right", "label"]]
    bad = ~((df["label"] == df["left"]) | (df["label"] == df["right"]))
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise ValueError(f"row {i}: label {df['label'].iloc[i]!r} is neither left nor right")
    from crowdkit.aggregation import BradleyTerry

    scores = BradleyTerry(n_iter=n_iter, tol=tol).fit_predict(df.reset_index(drop=True))
    out = scores.rename("score").rename_axis("item").reset_index()
    return out.sort_values(["score", "item"], ascending=[False, True], kind="stable").reset_index(drop=True)
