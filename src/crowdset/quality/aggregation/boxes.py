"""Bounding-box aggregation: cluster boxes of different workers by IoU, keep clusters a majority of the
task's workers support, and output the coordinate-wise median box.

crowd-kit 1.4.x ships no box aggregator, so this is our own, in the spirit of the "majority + median"
baselines of e.g. Papadopoulos et al., "Extreme clicking for efficient object annotation", ICCV 2017.
Boxes are ``x, y, width, height`` (top-left corner + size).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..agreement import iou_matrix

BOX_COLUMNS = ("x", "y", "width", "height")


def _components(adj: np.ndarray) -> np.ndarray:
    from scipy.sparse.csgraph import connected_components

    return connected_components(adj, directed=False)[1]


def aggregate_boxes(
    data: pd.DataFrame, *, iou_threshold: float = 0.5, min_support: float = 0.5
) -> pd.DataFrame:
    """Aggregate ``task, worker, x, y, width, height[, label]`` rows into consensus boxes.

    Boxes with the same label from *different* workers overlapping with IoU >= ``iou_threshold`` are linked;
    each connected group is one object. A group is kept when more than ``min_support`` of the task's workers
    drew it. Output columns: ``task, label, x, y, width, height, confidence`` where confidence is the share
    of the task's workers supporting the box.
    """
    missing = [c for c in ("task", "worker", *BOX_COLUMNS) if c not in data.columns]
    if missing:
        raise ValueError(f"box data is missing column(s): {', '.join(missing)}")
    df = data.copy()
    if "label" not in df.columns:
        df["label"] = ""
    rows: list[dict[str, object]] = []
    for task, g in df.groupby("task", sort=False):
        n_workers = g["worker"].nunique()
        for label, gl in g.groupby("label", sort=True):
            xywh = gl[list(BOX_COLUMNS)].to_numpy(dtype=np.float64)
            workers = gl["worker"].to_numpy()
            adj = (iou_matrix(xywh, xywh) >= iou_threshold) & (workers[:, None] != workers[None, :])
            comp = _components(adj)
            for c in np.unique(comp):
                members = comp == c
                support = len(set(workers[members])) / n_workers
                if support > min_support:
                    box = np.median(xywh[members], axis=0)
                    rows.append({"task": task, "label": label, "x": box[0], "y": box[1], "width": box[2],
                                 "height": box[3], "confidence": support})
    return pd.DataFrame(rows, columns=["task", "label", *BOX_COLUMNS, "confidence"])
