"""The cycle collector is paused inside the block and restored after it, even on errors."""

from __future__ import annotations

import gc

import pytest

from crowdset.gcpause import gc_paused


def test_paused_inside_and_restored_after_errors():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_nested_blocks_leave_it_on_and_an_outer_off_stays_off():
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block is still running
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # someone else turned it off: not ours to turn on
    finally:
        gc.enable()
