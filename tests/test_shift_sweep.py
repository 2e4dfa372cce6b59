"""Tests for shift/sweep.py and shift/plots.py: the capacity table, the capacity sweep, and their
grow / bisect / confirm search."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tinygrad_lite.shift import (
    Capacity,
    ShiftConfig,
    capacity_plot,
    capacity_sweep,
    capacity_table,
    capacity_text,
    largest_learned,
    search,
    sweep_table,
    train_shift_seeds,
)

# A small real table (a few seconds): two hidden sizes, both biases, two Adam lrs and one SGD lr.
SMALL = dict(seeds=2, steps=200, max_n=12, progress=False)
OPTIMIZERS = [("adam", 0.05), ("adam", 0.1), ("sgd", 0.5)]


@pytest.fixture(scope="module")
def small_table(tmp_path_factory) -> tuple[list[Capacity], list[dict]]:
    path = tmp_path_factory.mktemp("table") / "table.json"
    table = capacity_table([1, 2], OPTIMIZERS, bias=[False, True], jobs=1, json_path=path, **SMALL)
    return table, json.loads(path.read_text("utf-8"))


def test_the_json_has_one_record_per_row_with_the_documented_fields(small_table):
    table, records = small_table
    keys = ["hidden", "bias", "optimizer", "lr", "largest_n", "capped", "tried"]
    expected_rows = [(h, b, name, lr) for h in (1, 2) for b in (False, True) for name, lr in OPTIMIZERS]
    assert [(r["hidden"], r["bias"], r["optimizer"], r["lr"]) for r in records] == expected_rows
    assert records == [row.record() for row in table]
    for record in records:
        assert list(record) == keys
        assert isinstance(record["largest_n"], int) and isinstance(record["capped"], bool)
        tried = {int(n): k for n, k in record["tried"].items()}
        assert list(tried) == sorted(tried) and all(0 <= k <= 2 for k in tried.values())
        # largest_n is the largest N tried that every seed learned (or 2, one example, when none did)
        learned = [n for n, k in tried.items() if k == 2]
        assert record["largest_n"] == max(learned, default=2)
        assert record["capped"] == (record["largest_n"] == 12)


def test_the_table_as_text(small_table):
    table, _ = small_table
    lines = capacity_text(table).splitlines()
    assert lines[0] == "bias | optimizer    |      H=1      H=2"
    assert lines[1] == f"no   | adam 0.05    | {table[0].largest_n:>8} {table[6].largest_n:>8}"
    assert [line[:22] for line in lines[4:]] == ["yes  | adam 0.05    | ", "yes  | adam 0.1     | ",
                                                 "yes  | sgd 0.5      | "]  # fmt: skip
    capped = Capacity(3, False, "adam", 0.05, 64, True, {64: 3})
    assert capacity_text([capped]).splitlines()[1] == "no   | adam 0.05    |    >= 64"


def test_each_row_is_what_training_its_seeds_alone_gives(small_table):
    table, _ = small_table
    row = next(r for r in table if r.hidden == 2 and r.bias and r.optimizer == "sgd")
    for n, count in row.tried.items():
        config = ShiftConfig(n, 2, steps=200, lr=0.5, optimizer="sgd", bias=True, init="uniform",
                             reduction="sum", stop_when_solved=True)  # fmt: skip
        assert sum(r.solved for r in train_shift_seeds(config, [0, 1], progress=False)) == count


def test_stopping_early_counts_the_seeds_that_the_whole_budget_counts(small_table):
    # The table trains each seed only until it first gets every example right, and stops when all
    # have; the whole budget, each copy kept in the batch to the end, finds the same seeds.
    table, _ = small_table
    for row in (r for r in table if r.hidden == 2 and r.optimizer == "adam"):
        for n, count in row.tried.items():
            config = ShiftConfig(n, 2, steps=200, lr=row.lr, bias=row.bias, init="uniform")
            runs = train_shift_seeds(config, [0, 1], progress=False)
            assert [len(r.losses) for r in runs] == [201, 201]  # the whole budget
            assert sum(r.solved_at is not None for r in runs) == count


def test_criterion_all_needs_every_seed_and_any_one(small_table):
    table, _ = small_table
    any_table = capacity_table([1, 2], OPTIMIZERS, bias=[False, True], criterion="any", jobs=1, **SMALL)
    differ = 0
    for every, one in zip(table, any_table):
        for n in every.tried.keys() & one.tried.keys():  # the same trainings under both criteria
            assert every.tried[n] == one.tried[n]
        assert one.largest_n == max([n for n, k in one.tried.items() if k > 0], default=2)
        differ += one.largest_n != every.largest_n
    assert differ > 0  # some N is learned by one seed of two, not by both


def test_bias_may_be_any_iterable_of_python_or_numpy_bools(small_table):
    table, _ = small_table
    hidden_one = [r for r in table if r.hidden == 1 and r.bias]
    from_generator = capacity_table([1], OPTIMIZERS, bias=(b for b in [np.True_]), jobs=1, **SMALL)
    assert [r.record() for r in from_generator] == [r.record() for r in hidden_one]
    assert all(type(r.bias) is bool for r in from_generator)


def test_results_do_not_depend_on_the_number_of_processes():
    settings = dict(bias=[False, True], seeds=2, steps=200, max_n=12, progress=False)
    alone = capacity_table([2], [("adam", 0.1), ("sgd", 0.5)], jobs=1, **settings)
    spread = capacity_table([2], [("adam", 0.1), ("sgd", 0.5)], jobs=2, **settings)
    assert [row.record() for row in spread] == [row.record() for row in alone]


def test_the_plot(tmp_path):
    pytest.importorskip("matplotlib")
    table = [Capacity(h, b, "adam", lr, 2**h + 1, h == 3, {}) for h in (1, 2, 3) for b in (False, True)
             for lr in (0.05, 0.1)]  # fmt: skip
    path = capacity_plot(table, tmp_path / "capacity.svg")
    text = path.read_text("utf-8")
    assert text.lstrip().startswith("<?xml") and ">adam<" in text and "lr 0.1, bias" in text
    assert capacity_plot(table, tmp_path / "capacity.svg").read_text("utf-8") == text  # deterministic


# ---- the search ------------------------------------------------------------------------------------


def asked_by_search(learned, max_n: int, relative: int | None = 16, above: int = 2) -> tuple[int, list[int]]:
    """Run `search` with a fake `learns`: its answer, and every N it asked about, in order."""
    asked, steps = [], search(max_n, relative, above)
    try:
        n = next(steps)
        while True:
            asked.append(n)
            n = steps.send(learned(n))
    except StopIteration as stop:
        return stop.value, asked


def test_search_doubles_then_bisects_to_a_sixteenth_then_checks_two_above():
    answer, asked = asked_by_search(lambda n: n <= 100, 512)
    doubling, bisecting, above = asked[:7], asked[7:11], asked[11:]
    assert doubling == [3, 6, 12, 24, 48, 96, 192]  # 192 fails
    assert bisecting == [144, 120, 108, 102]  # 102 - 96 = 6 = 96 // 16: resolution reached
    assert above == [97, 98, 99, 100, 101, 102]  # each success moves the answer up; two failures end it
    assert answer == 100


def test_search_resolution_is_one_for_small_n():
    answer, asked = asked_by_search(lambda n: n <= 20, 512)
    assert answer == 20 and asked == [3, 6, 12, 24, 18, 21, 19, 20, 21, 22]


def test_search_stops_at_max_n():
    assert asked_by_search(lambda n: True, 512) == (512, [3, 6, 12, 24, 48, 96, 192, 384, 512])
    answer, asked = asked_by_search(lambda n: n != 400, 512)  # a failure at 512 only, then near it
    assert answer == 512 and max(asked) == 512


def test_search_neighbours_catch_a_success_above_a_failure():
    # Not monotone: 13 fails, 14 is learned; the check above the answer finds it.
    assert asked_by_search(lambda n: n <= 12 or n == 14, 512)[0] == 14
    assert asked_by_search(lambda n: n <= 12 or n == 16, 512)[0] == 12  # two failures in a row end it


@pytest.mark.parametrize("max_n", [2, 3, 5, 8, 13, 64, 100, 512])
def test_search_finds_a_monotone_limit_within_its_resolution(max_n):
    for limit in [*range(2, 70), 100, 200, 300, 511, 600]:
        answer, asked = asked_by_search(lambda n, limit=limit: n <= limit, max_n)
        assert answer == min(limit, max_n), (limit, max_n)  # the checks above reach it exactly
        assert all(3 <= n <= max_n for n in asked)


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
ROW = Capacity(hidden=2, bias=False, optimizer="adam", lr=0.05, largest_n=37, capped=False)

BAD_INPUT = [
    ("search-max_n", lambda: search("5"), ValueError, r"^search: max_n must be an int >= 2 .*got '5'"),
    ("search-relative", lambda: search(10, relative=0), ValueError,
     r"^search: relative must be a positive int, got 0"),
    ("search-above", lambda: search(10, above=-1), ValueError, r"^search: above must be a non-negative int"),
    ("largest_learned-learns", lambda: largest_learned(True, 10), TypeError,
     r"^largest_learned: learns must be a function N -> bool, got bool"),
    ("largest_learned-max_n", lambda: largest_learned(lambda n: True, 1), ValueError,
     r"^search: max_n must be an int >= 2 .*got 1"),
    ("capacity_text-none", lambda: capacity_text(None), ValueError,
     r"^capacity_text: table must be a non-empty list of Capacity rows \(capacity_table\), got None"),
    ("capacity_text-results", lambda: capacity_text([3]), ValueError,
     r"^capacity_text: table must be a non-empty list of Capacity rows .*got \[3\]"),
    ("capacity_table-hidden", lambda: capacity_table([0], progress=False), ValueError,
     r"^capacity_table: hidden size must be a positive int, got 0"),
    ("capacity_table-optimizers", lambda: capacity_table([2], [], progress=False), ValueError,
     r"^capacity_table: optimizers must be a non-empty list of \(name, lr\), got \[\]"),
    ("capacity_table-pair", lambda: capacity_table([2], ["adam"], progress=False), ValueError,
     r"^capacity_table: each optimizer must be a pair \(name, lr\) such as \('adam', 0.05\), got 'adam'"),
    ("capacity_table-optimizer", lambda: capacity_table([2], [("lbfgs", 1.0)], progress=False), ValueError,
     r"^capacity_table: optimizer must be one of \('adam', 'sgd'\), got 'lbfgs'"),
    ("capacity_table-lr", lambda: capacity_table([2], [("sgd", -1)], progress=False), ValueError,
     r"^capacity_table: the lr of sgd must be a positive finite number, got -1"),
    ("capacity_table-bias", lambda: capacity_table([2], bias="both", progress=False), ValueError,
     r"^capacity_table: bias must be a non-empty list of True/False, got 'both'"),
    ("capacity_table-criterion", lambda: capacity_table([2], criterion="most", progress=False), ValueError,
     r"^capacity_table: criterion must be one of \('all', 'any'\), got 'most'"),
    ("capacity_table-init", lambda: capacity_table([2], init="zeros", progress=False), ValueError,
     r"^capacity_table: init must be one of \('normal', 'uniform'\), got 'zeros'"),
    ("capacity_table-jobs", lambda: capacity_table([2], jobs=0, progress=False), ValueError,
     r"^capacity_table: jobs must be a positive int, got 0"),
    ("capacity_table-seeds", lambda: capacity_table([2], seeds=0, progress=False), ValueError,
     r"^capacity_table: seeds must be a positive int, got 0"),
    ("capacity_table-steps", lambda: capacity_table([2], steps=-1, progress=False), ValueError,
     r"^capacity_table: steps must be a non-negative int, got -1"),
    ("capacity_table-max_n", lambda: capacity_table([2], max_n=1, progress=False), ValueError,
     r"^capacity_table: max_n must be an int >= 2"),
    ("capacity_table-json", lambda: capacity_table([2], json_path="/no/such/dir/t.json", progress=False),
     FileNotFoundError, r"^capacity_table: the directory '/no/such/dir' does not exist"),
    ("capacity_plot-path", lambda: capacity_plot([ROW], "/no/such/dir/t.svg"), FileNotFoundError,
     r"^capacity_plot: the directory '/no/such/dir' does not exist"),
    ("capacity_plot-empty", lambda: capacity_plot([], "t.svg"), ValueError,
     r"^capacity_plot: table must be a non-empty list of Capacity rows \(capacity_table\), got \[\]"),
    ("capacity_plot-suffix", lambda: capacity_plot([ROW], "table.txt"), ValueError,
     r"^capacity_plot: writes .svg, .png or .pdf files, got 'table.txt'"),
    ("capacity_sweep-hidden", lambda: capacity_sweep([0], progress=False), ValueError,
     r"^capacity_sweep: hidden size must be a positive int, got 0"),
    ("capacity_sweep-hidden-list", lambda: capacity_sweep([1, 0], progress=False), ValueError,
     r"^capacity_sweep: hidden size must be a positive int, got 0"),
    ("capacity_sweep-None", lambda: capacity_sweep(None, progress=False), TypeError,
     r"^capacity_sweep: hidden_sizes must be a list of ints, got None"),
    ("capacity_sweep-seeds", lambda: capacity_sweep([2], seeds=0, progress=False), ValueError,
     r"^capacity_sweep: seeds must be a positive int, got 0"),
    ("capacity_sweep-max_n", lambda: capacity_sweep([2], max_n=1, progress=False), ValueError,
     r"^capacity_sweep: max_n must be an int >= 2"),
    ("capacity_sweep-lr", lambda: capacity_sweep([2], lr=float("nan"), progress=False), ValueError,
     r"^ShiftConfig: lr must be a positive finite number, got nan"),
    ("capacity_sweep-steps", lambda: capacity_sweep([2], steps=-5, progress=False), ValueError,
     r"^ShiftConfig: steps must be a non-negative int, got -5"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
