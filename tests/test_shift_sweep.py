"""Tests for shift/sweep.py: the capacity sweep and its grow / bisect / confirm search."""

from __future__ import annotations

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tinygrad_lite.shift import capacity_sweep, largest_learned, sweep_table


def test_capacity_sweep_small():
    results = capacity_sweep([1, 2], seeds=2, steps=1000, max_n=8, progress=False)
    one, two = results
    # H=1 learns N=3 (two examples: h > 0 and h < 0) and nothing bigger.
    assert (one.hidden, one.max_n, one.capped, one.seeds) == (1, 3, False, 2)
    assert one.solved_by == {3: 2, 6: 0, 4: 0, 5: 0}
    # H=2 learns everything up to the cap: doubling 3 -> 6, then the cap 8.
    assert (two.hidden, two.max_n, two.capped) == (2, 8, True)
    assert two.solved_by == {3: 2, 6: 2, 8: 2}
    table = sweep_table(results)
    assert " 1 |                 3 | fails (N=5)  | 3:2/2, 4:0/2, 5:0/2, 6:0/2" in table
    assert " 2 |              >= 8 | about 11     | 3:2/2, 6:2/2, 8:2/2" in table


def largest(learned, max_n: int) -> tuple[int, list[int]]:
    """_largest_learned with a fake `learns`; also returns which N it asked about, in order."""
    asked = []

    def learns(n: int) -> bool:
        asked.append(n)
        return learned(n)

    return largest_learned(learns, max_n), asked


@pytest.mark.parametrize("max_n", [2, 3, 5, 8, 13, 64, 100])
def test_largest_learned_monotone(max_n):
    for limit in range(2, 70):
        answer, asked = largest(lambda n, limit=limit: n <= limit, max_n)
        assert answer == min(limit, max_n), (limit, max_n)
        assert all(3 <= n <= max_n for n in asked)
        assert len(set(asked)) <= 2 * int(np.log2(max_n)) + 5  # a search, not a scan


def test_largest_learned_cap_and_order():
    answer, asked = largest(lambda n: True, 100)
    assert answer == 100 and asked == [3, 6, 12, 24, 48, 96, 100]
    answer, asked = largest(lambda n: n <= 20, 100)
    assert answer == 20 and asked == [3, 6, 12, 24, 18, 21, 19, 20, 21, 22, 23]


def test_largest_learned_not_monotone():
    # Success after a failure, within three above the answer, moves it up ...
    assert largest(lambda n: n in {3, 4, 5, 7, 8}, 100)[0] == 8
    assert largest(lambda n: n in {3, 5}, 100)[0] == 5
    # ... but a gap of three failures ends the search.
    assert largest(lambda n: n in {3, 4, 5, 9}, 100)[0] == 5
    # Nothing learned above 2: N=2 (one example) is always learned.
    assert largest(lambda n: False, 100) == (2, [3, 3, 4, 5])
    # The confirmation never goes past the cap.
    answer, asked = largest(lambda n: n != 6, 7)
    assert answer == 7 and max(asked) == 7


# ---- bad input: a clear error -------------------------------------------------------------------

# fmt: off
BAD_INPUT = [
    ("capacity_sweep-hidden", lambda: capacity_sweep([0], progress=False), ValueError,
     r"^capacity_sweep: hidden size must be a positive int, got 0"),
    ("capacity_sweep-hidden-list", lambda: capacity_sweep([1, 0], progress=False), ValueError,
     r"^capacity_sweep: hidden size must be a positive int, got 0"),
    ("capacity_sweep-None", lambda: capacity_sweep(None, progress=False), TypeError,
     r"^capacity_sweep: hidden_sizes must be a list of ints, got None"),
    ("capacity_sweep-seeds", lambda: capacity_sweep([2], seeds=0, progress=False), ValueError,
     r"^capacity_sweep: seeds must be a positive int, got 0"),
    ("capacity_sweep-max_n", lambda: capacity_sweep([2], max_n=1, progress=False), ValueError,
     r"^capacity_sweep: max_n must be at least 2"),
    ("capacity_sweep-lr", lambda: capacity_sweep([2], lr=float("nan"), progress=False), ValueError,
     r"^ShiftConfig: lr must be a positive finite number, got nan"),
    ("capacity_sweep-steps", lambda: capacity_sweep([2], steps=-5, progress=False), ValueError,
     r"^ShiftConfig: steps must be a non-negative int, got -5"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
