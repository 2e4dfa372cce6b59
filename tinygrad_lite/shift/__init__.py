"""The seed's experiment: the shift task, its training loop, the capacity sweep, the seed's tables,
and the network built by hand.

from tinygrad_lite.shift import ShiftConfig, train_shift, weight_table
result = train_shift(ShiftConfig(n=11, hidden=2, steps=2000))
print(result.summary()); print(weight_table(result.model))
"""

from .handbuilt import FloatLimit, float_limit, handbuilt_codes, handbuilt_network, task_margin
from .plots import SEED_LARGEST_N, capacity_plot
from .sweep import (
    CRITERIA,
    Capacity,
    SweepResult,
    capacity_sweep,
    capacity_table,
    capacity_text,
    largest_learned,
    search,
)
from .tables import SEED_CAPACITY, sweep_table, weight_table, worked_example
from .task import INITS, example_loss, firing_input, initial_weights, load_network, shift_task
from .training import OPTIMIZERS, OUTPUTS, Recorder, ShiftConfig, ShiftResult, train_shift, train_shift_seeds

__all__ = [
    "CRITERIA",
    "INITS",
    "OPTIMIZERS",
    "OUTPUTS",
    "SEED_CAPACITY",
    "SEED_LARGEST_N",
    "Capacity",
    "FloatLimit",
    "Recorder",
    "ShiftConfig",
    "ShiftResult",
    "SweepResult",
    "capacity_plot",
    "capacity_sweep",
    "capacity_table",
    "capacity_text",
    "example_loss",
    "firing_input",
    "float_limit",
    "handbuilt_codes",
    "handbuilt_network",
    "initial_weights",
    "largest_learned",
    "load_network",
    "search",
    "shift_task",
    "sweep_table",
    "task_margin",
    "train_shift",
    "train_shift_seeds",
    "weight_table",
    "worked_example",
]
