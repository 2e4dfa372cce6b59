"""The seed's experiment: the shift task, its training loop, the capacity sweep, the seed's tables,
and the network built by hand.

from tinygrad_lite.shift import ShiftConfig, train_shift, weight_table
result = train_shift(ShiftConfig(n=11, hidden=2, steps=2000))
print(result.summary()); print(weight_table(result.model))
"""

from .handbuilt import FloatLimit, float_limit, handbuilt_codes, handbuilt_network, task_margin
from .sweep import SweepResult, capacity_sweep, largest_learned
from .tables import SEED_CAPACITY, sweep_table, weight_table, worked_example
from .task import example_loss, initial_weights, shift_task
from .training import OPTIMIZERS, OUTPUTS, Recorder, ShiftConfig, ShiftResult, train_shift, train_shift_seeds

__all__ = [
    "OPTIMIZERS",
    "OUTPUTS",
    "SEED_CAPACITY",
    "FloatLimit",
    "Recorder",
    "ShiftConfig",
    "ShiftResult",
    "SweepResult",
    "capacity_sweep",
    "example_loss",
    "float_limit",
    "handbuilt_codes",
    "handbuilt_network",
    "initial_weights",
    "largest_learned",
    "shift_task",
    "sweep_table",
    "task_margin",
    "train_shift",
    "train_shift_seeds",
    "weight_table",
    "worked_example",
]
