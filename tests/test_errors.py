"""Bad input gets a clear error, at every public entry point.

One table: (call, exception type, pattern). Each call gets something wrong (a wrong
type, a wrong shape, an empty array, a nan where a size or a rate belongs, a zero or
negative size, a class index out of range) and must raise that exception, with a
message matching the pattern: the function, the argument and what was expected. The
error must be raised by tinygrad_lite itself (or by Python's operator dispatch, for
`Value(1) + "a"`), with no numpy or graphviz error chained in front of it.

What is *not* an error: nan and inf as data. Ops follow IEEE as numpy does, so a
network whose weights explode can be watched doing it; see docs/reliability.md.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
import pytest

import tinygrad_lite
from tinygrad_lite import (
    CheckpointError,
    Tensor,
    Value,
    cli,
    draw_graph,
    draw_network,
    load,
    nn,
    optim,
    save,
    tasks,
)
from tinygrad_lite.draw import render_source
from tinygrad_lite.value import log_softmax as value_log_softmax

PACKAGE = Path(tinygrad_lite.__file__).resolve().parent
HERE = Path(__file__).resolve()
NAN, INF = float("nan"), float("inf")
TMP = tempfile.gettempdir()  # an existing directory, for "path is a directory"


def t23() -> Tensor:
    """A fresh (2, 3) float64 tensor that requires grad."""
    return Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)


def logits() -> Tensor:
    return Tensor(np.zeros((2, 3)), requires_grad=True)


def mlp() -> nn.MLP:
    return nn.MLP(3, 2, 3, rng=0)


def params() -> list[Tensor]:
    return mlp().parameters()


def seed_model() -> nn.MLP:
    """The seed's network for N=5, as train_shift returns it."""
    return tasks.train_shift(5, 2, steps=0, progress=False).model


def assert_clear_error(call, expected: type[BaseException], pattern: str) -> None:
    with pytest.raises(expected) as info:
        call()
    error, message = info.value, str(info.value)
    assert re.search(pattern, message), f"{type(error).__name__}: {message!r} does not match {pattern!r}"
    # Raised by tinygrad_lite (or by Python for an operator the test applied), not deep in numpy
    # or graphviz...
    last = info.traceback[-1]
    where = Path(str(last.path)).resolve()
    assert where == HERE or PACKAGE in where.parents, f"raised at {where}:{last.lineno + 1}: {message}"
    # ...and with no other traceback printed above it ("During handling of the above exception").
    assert error.__context__ is None or error.__suppress_context__, f"chained to {error.__context__!r}"


# fmt: off
ROWS = [
    # ---- Value -----------------------------------------------------------------------------
    ("Value-str", lambda: Value("1.5"), TypeError, r"^Value: data must be a real number .*got str '1.5'"),
    ("Value-None", lambda: Value(None), TypeError, r"^Value: data must be a real number .*got NoneType"),
    ("Value-list", lambda: Value([1.0]), TypeError, r"^Value: data must be a real number .*got list"),
    ("Value-array", lambda: Value(np.ones(2)), TypeError, r"^Value: data must be a real number .*ndarray"),
    ("Value-complex", lambda: Value(1j), TypeError, r"^Value: data must be a real number .*got complex"),
    ("Value-label", lambda: Value(1.0, label=3), TypeError, r"^Value: label must be a str, got int"),
    ("Value+str", lambda: Value(1.0) + "a",
     TypeError, r"unsupported operand type\(s\) for \+: 'Value' and 'str'"),
    ("Value*None", lambda: Value(1.0) * None, TypeError, r"unsupported operand .* 'Value' and 'NoneType'"),
    ("Value+Tensor", lambda: Value(1.0) + t23(), TypeError, r"unsupported operand .* 'Value' and 'Tensor'"),
    ("Value*Tensor", lambda: Value(1.0) * t23(), TypeError, r"operand .*\*: 'Value' and 'Tensor'"),
    ("Value/Tensor", lambda: Value(1.0) / Tensor(np.ones(3)), TypeError, r"for /: 'Value' and 'Tensor'"),
    ("Value**Value", lambda: Value(2.0) ** Value(2.0), TypeError,
     r"^Value \*\* exponent: the exponent must be an int or float, got Value"),
    ("Value**str", lambda: Value(2.0) ** "2", TypeError, r"^Value \*\* exponent: .* got str"),
    ("log_softmax-empty", lambda: value_log_softmax([]),
     ValueError, r"^log_softmax: needs at least one value"),
    ("log_softmax-None", lambda: value_log_softmax(None), TypeError,
     r"^log_softmax: expects a list of Values or numbers, got NoneType"),
    ("log_softmax-str", lambda: value_log_softmax(["a"]), TypeError, r"^Value: data must be a real number"),
    # ---- Tensor: constructors ------------------------------------------------------------------
    ("Tensor-str", lambda: Tensor("abc"), TypeError, r"^Tensor: data must be a number, .*got str"),
    ("Tensor-None", lambda: Tensor(None), TypeError, r"^Tensor: data must be a number, .*got NoneType"),
    ("Tensor-dict", lambda: Tensor({"a": 1}), TypeError, r"^Tensor: data must be a number, .*got dict"),
    ("Tensor-ragged", lambda: Tensor([[1.0, 2.0], [3.0]]), TypeError,
     r"^Tensor: cannot turn list into an array of numbers"),
    ("Tensor-strings", lambda: Tensor([1, "a"]), TypeError, r"^Tensor: data must be numbers, got .*dtype <U"),
    ("Tensor-objects", lambda: Tensor([object()]),
     TypeError, r"^Tensor: data must be numbers, .*dtype object"),
    ("Tensor-complex", lambda: Tensor([1j]), TypeError, r"^Tensor: data must be numbers, .*dtype complex128"),
    ("Tensor-int-grad", lambda: Tensor([1, 2], requires_grad=True), TypeError,
     r"^Tensor: only floating-point tensors can require grad, got dtype int"),
    ("Tensor-dtype", lambda: Tensor([1.0], dtype="foo"), TypeError,
     r"^Tensor: dtype must be a numpy dtype such as np.float32, got 'foo'"),
    ("zeros-negative", lambda: Tensor.zeros(2, -1),
     ValueError, r"^zeros: sizes must be non-negative ints, got \(2, -1\)"),
    ("ones-float", lambda: Tensor.ones(2.5),
     ValueError, r"^ones: sizes must be non-negative ints, got \(2.5,\)"),
    ("ones-dtype", lambda: Tensor.ones(2, dtype="foo"), TypeError, r"^ones: dtype must be a numpy dtype"),
    ("eye-negative", lambda: Tensor.eye(-2), ValueError, r"^eye: sizes must be non-negative ints"),
    ("randn-size", lambda: Tensor.randn(2, "a"), ValueError, r"^randn: sizes must be non-negative ints"),
    ("randn-rng", lambda: Tensor.randn(2, rng="seed"), TypeError,
     r"^randn: rng must be a numpy Generator, a non-negative int seed or None, got 'seed'"),
    ("randn-rng-negative", lambda: Tensor.randn(2, rng=-1), TypeError, r"^randn: rng must be .* got -1"),
    ("uniform-nan", lambda: Tensor.uniform(2, low=NAN), ValueError,
     r"^uniform: low and high must be finite numbers with low <= high, got low=nan"),
    ("uniform-inf", lambda: Tensor.uniform(2, high=INF),
     ValueError, r"^uniform: low and high must be finite"),
    ("uniform-reversed", lambda: Tensor.uniform(2, low=1.0, high=0.0), ValueError,
     r"^uniform: .*low <= high, got low=1.0, high=0.0"),
    ("uniform-str", lambda: Tensor.uniform(2, low="a"), ValueError, r"^uniform: low and high must be finite"),
    ("one_hot-range", lambda: Tensor.one_hot([0, 3], 3), ValueError,
     r"^one_hot: indices must be in \[0, 3\), got values from 0 to 3"),
    ("one_hot-negative", lambda: Tensor.one_hot([-1], 3),
     ValueError, r"^one_hot: indices must be in \[0, 3\)"),
    ("one_hot-nan", lambda: Tensor.one_hot([NAN, 1.0], 3), TypeError,
     r"^one_hot: indices must be integers, got dtype float64"),
    ("one_hot-n", lambda: Tensor.one_hot([0], -1), ValueError, r"^one_hot: sizes must be non-negative ints"),
    # ---- Tensor: elementwise ops -----------------------------------------------------------------
    ("add-shapes", lambda: t23() + Tensor(np.ones(4)), ValueError,
     r"^add: cannot broadcast shapes \(2, 3\) and \(4,\)"),
    ("mul-shapes", lambda: t23() * np.ones((3, 2)),
     ValueError, r"^mul: cannot broadcast shapes \(2, 3\) and \(3, 2\)"),
    ("sub-shapes", lambda: t23() - np.ones(2),
     ValueError, r"^add: cannot broadcast shapes \(2, 3\) and \(2,\)"),
    ("div-shapes", lambda: t23() / np.ones(2),
     ValueError, r"^mul: cannot broadcast shapes \(2, 3\) and \(2,\)"),
    ("pow-shapes", lambda: t23() ** Tensor(np.ones(4)), ValueError, r"^pow: cannot broadcast shapes"),
    ("add-str", lambda: t23() + "a", TypeError, r"unsupported operand type\(s\) for \+: 'Tensor' and 'str'"),
    ("mul-None", lambda: t23() * None, TypeError, r"unsupported operand .* 'Tensor' and 'NoneType'"),
    ("add-Value", lambda: t23() + Value(1.0), TypeError, r"unsupported operand .*'Tensor' and 'Value'"),
    ("sub-Value", lambda: t23() - Value(1.0), TypeError, r"unsupported operand .*-: 'Tensor' and 'Value'"),
    ("div-Value", lambda: t23() / Value(1.0), TypeError, r"unsupported operand .*/: 'Tensor' and 'Value'"),
    ("add-ragged", lambda: t23() + [[1.0], [2.0, 3.0]],  # noqa: RUF005 (a Tensor, not a list)
     TypeError, r"^Tensor: cannot turn list into an array"),
    ("pow-int-negative", lambda: Tensor([1, 2]) ** -1, ValueError,
     r"^pow: Integers to negative integer powers are not allowed.*int64 tensor to the power -1"),
    ("rpow-int-negative", lambda: 2 ** Tensor([-1]), ValueError,
     r"^pow: Integers to negative integer powers are not allowed"),
    # ---- Tensor: matmul ------------------------------------------------------------------------
    ("matmul-inner", lambda: t23() @ Tensor(np.ones((2, 2))), ValueError,
     r"^matmul: cannot multiply \(2, 3\) by \(2, 2\): inner dimensions 3 and 2 differ"),
    ("matmul-0d", lambda: t23() @ Tensor(3.0),
     ValueError, r"^matmul: both operands need at least 1 dimension"),
    ("matmul-batch", lambda: Tensor(np.ones((2, 2, 3))) @ Tensor(np.ones((3, 3, 2))), ValueError,
     r"^matmul: cannot broadcast the batch dimensions of \(2, 2, 3\) and \(3, 3, 2\)"),
    ("matmul-str", lambda: t23() @ "a",
     TypeError, r"unsupported operand type\(s\) for @: 'Tensor' and 'str'"),
    # ---- Tensor: reductions and softmax ----------------------------------------------------------------
    ("sum-axis", lambda: t23().sum(axis=2), ValueError,
     r"^sum: axis 2 is out of range for a tensor of shape \(2, 3\)"),
    ("sum-axis-float", lambda: t23().sum(axis=1.5), TypeError,
     r"^sum: axis must be an int, a tuple of ints or None, got 1.5"),
    ("sum-axis-repeat", lambda: t23().sum(axis=(0, -2)), ValueError, r"^sum: axis \(0, -2\) repeats an axis"),
    ("mean-axis", lambda: t23().mean(axis=-3), ValueError, r"^mean: axis -3 is out of range"),
    ("max-axis", lambda: t23().max(axis=5), ValueError, r"^max: axis 5 is out of range"),
    ("max-empty", lambda: Tensor(np.zeros((0, 3))).max(), ValueError,
     r"^max: cannot take the max of an empty tensor \(shape \(0, 3\)\)"),
    ("logsumexp-axis", lambda: t23().logsumexp(axis=3), ValueError, r"^logsumexp: axis 3 is out of range"),
    ("logsumexp-empty", lambda: Tensor(np.zeros((2, 0))).logsumexp(), ValueError,
     r"^logsumexp: axis .* of shape \(2, 0\) is empty"),
    ("log_softmax-0d", lambda: Tensor(3.0).log_softmax(), ValueError,
     r"^log_softmax: axis -1 is out of range for a tensor of shape \(\)"),
    ("softmax-empty", lambda: Tensor(np.zeros((2, 0))).softmax(), ValueError,
     r"^log_softmax: axis .* of shape \(2, 0\) is empty"),
    # ---- Tensor: shape ops -------------------------------------------------------------------------
    ("reshape-size", lambda: t23().reshape(4, 2), ValueError,
     r"^reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into \(4, 2\)"),
    ("reshape-float", lambda: t23().reshape(1.5), ValueError, r"^reshape: cannot reshape .* into \(1.5,\)"),
    ("reshape-str", lambda: t23().reshape("a"), ValueError, r"^reshape: cannot reshape .* into \('a',\)"),
    ("transpose-repeat", lambda: t23().transpose(0, 0), ValueError,
     r"^transpose: axes \(0, 0\) are not a permutation of the axes of shape \(2, 3\)"),
    ("transpose-range", lambda: t23().transpose(2, 1),
     ValueError, r"^transpose: axes \(2, 1\) are not a permutation"),
    ("transpose-str", lambda: t23().transpose("a"),
     ValueError, r"^transpose: axes \('a',\) are not a permutation"),
    ("transpose-float", lambda: t23().transpose(1.5),
     ValueError, r"^transpose: axes \(1.5,\) are not a permutation"),
    ("getitem-range", lambda: t23()[5],
     IndexError, r"^getitem: index 5 is out of bounds .*\(tensor shape \(2, 3\)\)"),
    ("getitem-str", lambda: t23()["a"],
     IndexError, r"^getitem: only integers, slices .*\(tensor shape \(2, 3\)\)"),
    ("getitem-depth", lambda: t23()[0, 0, 0], IndexError, r"^getitem: too many indices"),
    ("getitem-float", lambda: t23()[Tensor([0.5])],
     IndexError, r"^getitem: arrays used as indices must be of integer"),
    ("concatenate-empty", lambda: Tensor.concatenate([]),
     ValueError, r"^concatenate: needs at least one tensor"),
    ("concatenate-None", lambda: Tensor.concatenate(None), TypeError,
     r"^concatenate: expects a list of Tensors, got NoneType"),
    ("concatenate-array", lambda: Tensor.concatenate([t23(), np.ones(3)]), TypeError,
     r"^concatenate: expects a list of Tensors, got a ndarray"),
    ("concatenate-shapes", lambda: Tensor.concatenate([t23(), Tensor(np.ones((2, 2)))]), ValueError,
     r"^concatenate: cannot join shapes \(2, 3\), \(2, 2\) along axis 0"),
    ("concatenate-axis", lambda: Tensor.concatenate([t23(), t23()], axis=2), ValueError,
     r"^concatenate: cannot join shapes .* along axis 2"),
    ("concatenate-axis-str", lambda: Tensor.concatenate([t23(), t23()], axis="a"), ValueError,
     r"^concatenate: cannot join shapes .* along axis a"),
    ("stack-shapes", lambda: Tensor.stack([t23(), Tensor(np.ones((3, 2)))]), ValueError,
     r"^stack: cannot stack shapes \(2, 3\), \(3, 2\) along axis 0 \(all shapes must match\)"),
    ("stack-axis", lambda: Tensor.stack([t23(), t23()], axis=3), ValueError, r"^stack: cannot stack shapes"),
    ("stack-axis-str", lambda: Tensor.stack([t23(), t23()], axis="a"),
     ValueError, r"^stack: cannot stack shapes"),
    # ---- Tensor: item and backward ------------------------------------------------------------------
    ("item", lambda: t23().item(), ValueError, r"^item: needs a tensor with one element, got shape \(2, 3\)"),
    ("backward-no-grad", lambda: Tensor([1.0]).backward(), RuntimeError,
     r"^backward: this tensor does not require grad"),
    ("backward-implicit", lambda: (t23() * 2).backward(), ValueError,
     r"^backward: grad can be left out only for a one-element output, this one has shape \(2, 3\)"),
    ("backward-shape", lambda: (t23() * 2).backward(np.ones(2)), ValueError,
     r"^backward: grad has shape \(2,\), expected \(2, 3\)"),
    ("backward-str", lambda: (t23() * 2).backward("a"), TypeError,
     r"^backward: grad must be an array of numbers of shape \(2, 3\), got 'a'"),
    # ---- nn: layers ------------------------------------------------------------------------------------
    ("Linear-zero", lambda: nn.Linear(0, 2),
     ValueError, r"^Linear: in_features must be a positive int, got 0"),
    ("Linear-negative", lambda: nn.Linear(2, -1),
     ValueError, r"^Linear: out_features must be a positive int, got -1"),
    ("Linear-float", lambda: nn.Linear(2.5, 2),
     ValueError, r"^Linear: in_features must be a positive int, got 2.5"),
    ("Linear-str", lambda: nn.Linear("2", 2),
     ValueError, r"^Linear: in_features must be a positive int, got '2'"),
    ("Linear-rng", lambda: nn.Linear(2, 2, rng="x"), TypeError, r"^Linear: rng must be a numpy Generator"),
    ("Linear-int-dtype", lambda: nn.Linear(2, 2, dtype=np.int32), TypeError,
     r"^Linear: dtype must be a floating-point dtype such as np.float32, got int32"),
    ("Linear-bad-dtype", lambda: nn.Linear(2, 2, dtype="foo"),
     TypeError, r"^Linear: dtype must be a numpy dtype"),
    ("Linear-input-shape", lambda: nn.Linear(3, 2)(Tensor(np.ones((4, 2)))), ValueError,
     r"^Linear: expected an input whose last dimension is 3 \(in_features\), got shape \(4, 2\)"),
    ("Linear-input-0d", lambda: nn.Linear(3, 2)(Tensor(1.0)), ValueError,
     r"^Linear: expected an input whose last dimension is 3 .*got shape \(\)"),
    ("Linear-input-list", lambda: nn.Linear(3, 2)([1.0, 2.0, 3.0]), TypeError,
     r"^Linear: expects a Tensor input, got list"),
    ("linear-x", lambda: nn.linear([1.0], Tensor(np.ones((2, 3)))),
     TypeError, r"^linear: x must be a Tensor, got list"),
    ("linear-shapes", lambda: nn.linear(t23(), Tensor(np.ones((2, 2)))), ValueError,
     r"^linear: an input of shape \(2, 3\) does not fit weight of shape \(2, 2\); "
     r"expected an input of shape \(\.\.\., 2\)"),
    ("linear-bias", lambda: nn.linear(t23(), Tensor(np.ones((2, 3))), Tensor(np.ones(3))), ValueError,
     r"^linear: .* bias of shape \(3,\); .*a bias of shape \(2,\)"),
    ("MLP-n_in", lambda: nn.MLP(0, 2, 3), ValueError, r"^MLP: n_in must be a positive int, got 0"),
    ("MLP-hidden", lambda: nn.MLP(3, [2, 0], 3),
     ValueError, r"^MLP: hidden\[1\] must be a positive int, got 0"),
    ("MLP-hidden-negative", lambda: nn.MLP(3, -2, 3),
     ValueError, r"^MLP: hidden\[0\] must be a positive int"),
    ("MLP-hidden-None", lambda: nn.MLP(3, None, 3), TypeError,
     r"^MLP: hidden must be an int or a list of ints, got None"),
    ("MLP-n_out", lambda: nn.MLP(3, 2, 0), ValueError, r"^MLP: n_out must be a positive int, got 0"),
    ("MLP-activation", lambda: nn.MLP(3, 2, 3, activation="gelu"), ValueError,
     r"^MLP: activation must be one of \('tanh', 'relu', 'sigmoid', 'linear'\), got 'gelu'"),
    ("MLP-rng", lambda: nn.MLP(3, 2, 3, rng=1.5), TypeError, r"^MLP: rng must be a numpy Generator"),
    ("MLP-dtype", lambda: nn.MLP(3, 2, 3, dtype=np.int64),
     TypeError, r"^MLP: dtype must be a floating-point dtype"),
    ("MLP-input", lambda: mlp()(Tensor(np.ones((2, 4)))), ValueError,
     r"^Linear: expected an input whose last dimension is 3 \(in_features\), got shape \(2, 4\)"),
    ("ValueMLP-hidden", lambda: nn.ValueMLP(3, 0, 3),
     ValueError, r"^ValueMLP: hidden\[0\] must be a positive int"),
    ("ValueMLP-input", lambda: nn.ValueMLP(3, 2, 3)([1.0]),
     ValueError, r"^ValueLinear: expected 3 inputs, got 1"),
    ("ValueMLP-None", lambda: nn.ValueMLP(3, 2, 3)(None), TypeError,
     r"^ValueLinear: expects a list of 3 Values or numbers, got NoneType"),
    ("ValueMLP-from_mlp", lambda: nn.ValueMLP.from_mlp("x"),
     TypeError, r"^ValueMLP.from_mlp: expects an MLP, got str"),
    ("load_state_dict-None", lambda: mlp().load_state_dict(None), TypeError,
     r"^load_state_dict: expects a dict of name -> array, got NoneType"),
    ("load_state_dict-strings", lambda: mlp().load_state_dict({k: "abc" for k in mlp().state_dict()}),
     ValueError,
     r"^load_state_dict: 'layers.0.weight' is <U3\[\], the model expects float32\[2, 3\]"),
    # ---- nn: losses ---------------------------------------------------------------------------------
    ("cross_entropy-list", lambda: nn.cross_entropy([[0.0, 1.0]], [0]), TypeError,
     r"^cross_entropy: expects a Tensor of shape \(\.\.\., classes\), got list"),
    ("cross_entropy-0d", lambda: nn.cross_entropy(Tensor(1.0), 0), ValueError,
     r"^cross_entropy: expects a Tensor of shape \(\.\.\., classes\), got a 0-d tensor"),
    ("cross_entropy-class-too-big", lambda: nn.cross_entropy(logits(), [0, 3]), ValueError,
     r"^cross_entropy: targets must be class indices in \[0, 3\), got values from 0 to 3"),
    ("cross_entropy-class-negative", lambda: nn.cross_entropy(logits(), [-1, 0]), ValueError,
     r"^cross_entropy: targets must be class indices in \[0, 3\), got values from -1 to 0"),
    ("cross_entropy-no-classes", lambda: nn.cross_entropy(Tensor(np.zeros((2, 0))), [0, 0]), ValueError,
     r"^cross_entropy: targets must be class indices in \[0, 0\)"),
    ("cross_entropy-float-targets", lambda: nn.cross_entropy(logits(), [0.0, 1.0]), TypeError,
     r"^cross_entropy: targets must be integer class indices, got dtype float64"),
    ("cross_entropy-nan-targets", lambda: nn.cross_entropy(logits(), [NAN, 1]), TypeError,
     r"^cross_entropy: targets must be integer class indices, got dtype float64"),
    ("cross_entropy-None-targets", lambda: nn.cross_entropy(logits(), None), TypeError,
     r"^cross_entropy: targets must be integer class indices, got dtype object"),
    ("cross_entropy-target-shape", lambda: nn.cross_entropy(logits(), [0]), ValueError,
     r"^cross_entropy: targets of shape \(1,\) do not match input of shape \(2, 3\); "
     r"expected targets of shape \(2,\)"),
    ("cross_entropy-reduction", lambda: nn.cross_entropy(logits(), [0, 1], reduction="avg"), ValueError,
     r"^cross_entropy: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    ("nll_loss-class", lambda: nn.nll_loss(logits(), [5, 0]), ValueError,
     r"^nll_loss: targets must be class indices in \[0, 3\), got values from 0 to 5"),
    ("nll_loss-list", lambda: nn.nll_loss("x", [0]), TypeError, r"^nll_loss: expects a Tensor"),
    ("mse_loss-list", lambda: nn.mse_loss([1.0], [1.0]),
     TypeError, r"^mse_loss: expects a Tensor prediction, got list"),
    ("mse_loss-shape", lambda: nn.mse_loss(Tensor(np.ones((3, 1))), np.ones(3)), ValueError,
     r"^mse_loss: target of shape \(3,\) does not match prediction of shape \(3, 1\)"),
    ("value_cross_entropy-range", lambda: nn.value_cross_entropy([Value(1.0)], 1), ValueError,
     r"^value_cross_entropy: target must be in \[0, 1\), got 1"),
    ("value_cross_entropy-float", lambda: nn.value_cross_entropy([Value(1.0)], 0.5), TypeError,
     r"^value_cross_entropy: target must be an int class index, got 0.5"),
    ("value_cross_entropy-None", lambda: nn.value_cross_entropy(None, 0), TypeError,
     r"^value_cross_entropy: logits must be a list of Values, got NoneType"),
    # ---- optim ----------------------------------------------------------------------------------
    ("SGD-module", lambda: optim.SGD(mlp(), lr=0.1), TypeError,
     r"^SGD: expects an iterable of parameters such as model.parameters\(\), got MLP; "
     r"pass model.parameters\(\)"),
    ("SGD-None", lambda: optim.SGD(None, lr=0.1),
     TypeError, r"^SGD: expects an iterable of parameters .*got NoneType"),
    ("SGD-Tensor", lambda: optim.SGD(t23(), lr=0.1),
     TypeError, r"^SGD: expects an iterable .*got a single Tensor"),
    ("SGD-empty", lambda: optim.SGD([], lr=0.1), ValueError, r"^SGD: got an empty parameter list"),
    ("SGD-numbers", lambda: optim.SGD([1.0], lr=0.1),
     TypeError, r"^SGD: parameters must be Tensors or Values, got float"),
    ("SGD-lr-zero", lambda: optim.SGD(params(), lr=0),
     ValueError, r"^SGD: lr must be a positive finite number, got 0"),
    ("SGD-lr-negative", lambda: optim.SGD(params(), lr=-0.1),
     ValueError, r"^SGD: lr must be a positive finite number"),
    ("SGD-lr-nan", lambda: optim.SGD(params(), lr=NAN),
     ValueError, r"^SGD: lr must be a positive finite number, got nan"),
    ("SGD-lr-inf", lambda: optim.SGD(params(), lr=INF),
     ValueError, r"^SGD: lr must be a positive finite number, got inf"),
    ("SGD-lr-str", lambda: optim.SGD(params(), lr="0.1"),
     ValueError, r"^SGD: lr must be a positive finite number, got '0.1'"),
    ("SGD-momentum", lambda: optim.SGD(params(), lr=0.1, momentum=1.0), ValueError,
     r"^SGD: momentum must be in \[0, 1\), got 1.0"),
    ("SGD-momentum-nan", lambda: optim.SGD(params(), lr=0.1, momentum=NAN),
     ValueError, r"^SGD: momentum must be in"),
    ("Adam-lr-nan", lambda: optim.Adam(params(), lr=NAN),
     ValueError, r"^Adam: lr must be a positive finite number"),
    ("Adam-betas", lambda: optim.Adam(params(), betas=(0.9,)), ValueError,
     r"^Adam: betas must be two numbers in \[0, 1\), got \(0.9,\)"),
    ("Adam-betas-nan", lambda: optim.Adam(params(), betas=(NAN, 0.9)),
     ValueError, r"^Adam: betas must be two numbers"),
    ("Adam-eps", lambda: optim.Adam(params(), eps=-1.0),
     ValueError, r"^Adam: eps must be a non-negative finite number"),
    ("Adam-eps-nan", lambda: optim.Adam(params(), eps=NAN),
     ValueError, r"^Adam: eps must be a non-negative finite number"),
    # ---- tasks ------------------------------------------------------------------------------------
    ("shift_task-1", lambda: tasks.shift_task(1), ValueError, r"^shift_task: n must be an int >= 2 .*got 1"),
    ("shift_task-negative", lambda: tasks.shift_task(-3), ValueError, r"^shift_task: n must be an int >= 2"),
    ("shift_task-float", lambda: tasks.shift_task(5.0),
     ValueError, r"^shift_task: n must be an int >= 2 .*got 5.0"),
    ("initial_weights-n", lambda: tasks.initial_weights(-1, 2, 0), ValueError,
     r"^initial_weights: n must be a positive int, got -1"),
    ("initial_weights-seed", lambda: tasks.initial_weights(5, 2, "x"),
     TypeError, r"^initial_weights: rng must be"),
    ("train_shift-n", lambda: tasks.train_shift(1, 2, progress=False),
     ValueError, r"^shift_task: n must be an int >= 2"),
    ("train_shift-hidden", lambda: tasks.train_shift(5, 0, progress=False), ValueError,
     r"^train_shift: hidden must be a positive int, got 0"),
    ("train_shift-steps", lambda: tasks.train_shift(5, 2, steps=-1, progress=False), ValueError,
     r"^train_shift: steps must be a non-negative int, got -1"),
    ("train_shift-steps-float", lambda: tasks.train_shift(5, 2, steps=1e3, progress=False), ValueError,
     r"^train_shift: steps must be a non-negative int, got 1000.0"),
    ("train_shift-lr-nan", lambda: tasks.train_shift(5, 2, lr=NAN, progress=False), ValueError,
     r"^train_shift: lr must be a positive number, got nan; a finite one"),
    ("train_shift-lr-inf", lambda: tasks.train_shift(5, 2, lr=INF, progress=False), ValueError,
     r"^train_shift: lr must be a positive number, got inf; a finite one"),
    ("train_shift-lr-zero", lambda: tasks.train_shift(5, 2, lr=0.0, progress=False), ValueError,
     r"^train_shift: lr must be a positive number, got 0.0"),
    ("train_shift-optimizer", lambda: tasks.train_shift(5, 2, optimizer="rmsprop", progress=False),
     ValueError,
     r"^train_shift: optimizer must be one of \('adam', 'sgd'\), got 'rmsprop'"),
    ("train_shift-output", lambda: tasks.train_shift(5, 2, output="tanh", progress=False), ValueError,
     r"^train_shift: output must be one of \('softmax', 'sigmoid'\), got 'tanh'"),
    ("train_shift-activation", lambda: tasks.train_shift(5, 2, activation="gelu", progress=False), ValueError,
     r"^train_shift: activation must be one of"),
    ("train_shift-seed", lambda: tasks.train_shift(5, 2, seed=-1, progress=False), ValueError,
     r"^train_shift: seed must be a non-negative int or a list of them, got \[-1\]"),
    ("train_shift-seeds-empty", lambda: tasks.train_shift(5, 2, seed=[], progress=False), ValueError,
     r"^train_shift: seed must be a non-negative int or a list of them, got \[\]"),
    ("train_shift-seed-str", lambda: tasks.train_shift(5, 2, seed="a", progress=False), ValueError,
     r"^train_shift: seed must be a non-negative int"),
    ("capacity_sweep-hidden", lambda: tasks.capacity_sweep([0], progress=False), ValueError,
     r"^capacity_sweep: hidden size must be a positive int, got 0"),
    ("capacity_sweep-None", lambda: tasks.capacity_sweep(None, progress=False), TypeError,
     r"^capacity_sweep: hidden_sizes must be a list of ints, got None"),
    ("capacity_sweep-seeds", lambda: tasks.capacity_sweep([2], seeds=0, progress=False), ValueError,
     r"^capacity_sweep: seeds must be a positive int, got 0"),
    ("capacity_sweep-max_n", lambda: tasks.capacity_sweep([2], max_n=1, progress=False), ValueError,
     r"^capacity_sweep: max_n must be at least 2"),
    ("capacity_sweep-lr", lambda: tasks.capacity_sweep([2], lr=NAN, progress=False), ValueError,
     r"^train_shift: lr must be a positive number, got nan"),
    ("weight_table-type", lambda: tasks.weight_table("x"), TypeError,
     r"^weight_table: expects an MLP such as train_shift\(...\).model, got str"),
    ("weight_table-bias", lambda: tasks.weight_table(nn.MLP(5, 2, 5, bias=True)), ValueError,
     r"^weight_table: the seed's tables need a one-hidden-layer MLP without biases"),
    ("worked_example-range", lambda: tasks.worked_example(seed_model(), 5), ValueError,
     r"^worked_example: input must be in 1..4, got 5"),
    ("worked_example-str", lambda: tasks.worked_example(seed_model(), "a"), ValueError,
     r"^worked_example: input must be in 1..4, got a"),
    # ---- save and load (files: test_io.py; mismatched models: below) ----------------------------------
    ("save-list", lambda: save([1, 2], "x.npz"), TypeError,
     r"^save: expects a state_dict \(dict of name -> array\), got list"),
    ("save-model", lambda: save(mlp(), "x.npz"),
     TypeError, r"^save: .* got MLP; for a model pass model.state_dict\(\)"),
    ("save-strings", lambda: save({"w": "abc"}, "x.npz"), TypeError,
     r"^save: entry 'w' must map a str name to a numeric array, got dtype <U3"),
    ("save-name", lambda: save({1: np.ones(2)}, "x.npz"), TypeError, r"^save: entry 1 must map a str name"),
    ("save-objects", lambda: save({"w": np.array([None])}, "x.npz"), TypeError,
     r"^save: entry 'w' .* got dtype object"),
    ("save-no-directory", lambda: save({"w": np.ones(2)}, "/no/such/dir/x.npz"), FileNotFoundError,
     r"^save: the directory '/no/such/dir' does not exist"),
    ("save-path-None", lambda: save({"w": np.ones(2)}, None), TypeError,
     r"^save: path must be a str or a pathlib.Path, got NoneType"),
    ("save-path-directory", lambda: save({"w": np.ones(2)}, TMP), IsADirectoryError,
     r"^save: '.*' is a directory; give a file name such as '.*model.npz'"),
    ("load-path-None", lambda: load(None),
     TypeError, r"^load: path must be a str or a pathlib.Path, got NoneType"),
    ("load-missing", lambda: load("/no/such/file.npz"),
     FileNotFoundError, r"^load: no checkpoint at '/no/such/file.npz'"),
    # ---- pictures --------------------------------------------------------------------------------------
    ("draw_graph-type", lambda: draw_graph("x"),
     TypeError, r"^draw_graph: expects a Value or a Tensor, got str"),
    ("draw_graph-max_nodes", lambda: draw_graph(Value(1.0), max_nodes=0), ValueError,
     r"^draw_graph: max_nodes must be at least 1, got 0"),
    ("draw_graph-max_nodes-str", lambda: draw_graph(Value(1.0), max_nodes="a"), ValueError,
     r"^draw_graph: max_nodes must be at least 1, got 'a'"),
    ("draw_graph-rankdir", lambda: draw_graph(Value(1.0), rankdir="XX"), ValueError,
     r"^draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got 'XX'"),
    ("draw_graph-params", lambda: draw_graph(Value(1.0), params="x"), TypeError,
     r"^draw_graph: params must be a module with named_parameters\(\) or a \{name: node\} dict, got str"),
    ("draw_graph-grads", lambda: draw_graph(Value(1.0), grads=5), TypeError,
     r"^draw_graph: grads must be a dict keyed by node, got int"),
    ("draw_graph-notes", lambda: draw_graph(Value(1.0), notes=["a"]), TypeError,
     r"^draw_graph: notes must be a dict keyed by node, got list"),
    ("draw_network-type", lambda: draw_network("x"), TypeError, r"^draw_network: expects an MLP .*got str"),
    ("draw_network-ValueMLP", lambda: draw_network(nn.ValueMLP(3, 2, 3)), TypeError,
     r"^draw_network: expects an MLP .*got ValueMLP"),
    ("draw_network-x-range", lambda: draw_network(mlp(), x=0), ValueError,
     r"^draw_network: x=0 names no input; inputs are numbered 1 to 3"),
    ("draw_network-x-shape", lambda: draw_network(mlp(), x=[1.0, 2.0]), ValueError,
     r"^draw_network: x must be an input's number or 3 numbers, got \(2,\)"),
    ("draw_network-x-str", lambda: draw_network(mlp(), x="a"), TypeError,
     r"^draw_network: x must be an input's number or 3 numbers, got 'a'"),
    ("draw_network-x-nan", lambda: draw_network(mlp(), x=NAN), ValueError,
     r"^draw_network: x must be an input's number or 3 numbers, got \(\)"),
    ("draw_network-scale-zero", lambda: draw_network(mlp(), weight_scale=0), ValueError,
     r"^draw_network: weight_scale must be a positive number or 2 of them \(one per layer\), got 0"),
    ("draw_network-scale-count", lambda: draw_network(mlp(), weight_scale=[1.0]), ValueError,
     r"^draw_network: weight_scale must be .* got \[1.0\]"),
    ("draw_network-scale-nan", lambda: draw_network(mlp(), weight_scale=NAN), ValueError,
     r"^draw_network: weight_scale must be a positive number"),
    ("draw_network-scale-str", lambda: draw_network(mlp(), weight_scale="ab"), ValueError,
     r"^draw_network: weight_scale must be a positive number .*got 'ab'"),
    ("pipe-format", lambda: draw_graph(Value(1.0)).pipe(format="nope"), ValueError,
     r"^pipe: unknown format 'nope'; Graphviz writes e.g. 'svg', 'png' or 'pdf'"),
    ("render-format", lambda: draw_graph(Value(1.0)).render(format="nope"), ValueError,
     r"^render: unknown format 'nope'"),
    ("render_source-format", lambda: render_source("digraph {}", "nope"), ValueError,
     r"^render_source: unknown format 'nope'"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", [pytest.param(*row[1:], id=row[0]) for row in ROWS])
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)


def test_the_table_covers_every_public_entry_point():
    covered = " ".join(row[0] for row in ROWS)
    for name in [
        "Value", "log_softmax", "Tensor", "zeros", "ones", "eye", "randn", "uniform", "one_hot",
        "add", "mul", "sub", "div", "pow", "matmul", "sum", "mean", "max", "logsumexp", "softmax",
        "reshape", "transpose", "getitem", "concatenate", "stack", "item", "backward",
        "Linear", "linear", "MLP", "ValueMLP", "load_state_dict", "cross_entropy", "nll_loss", "mse_loss",
        "value_cross_entropy", "SGD", "Adam", "shift_task", "initial_weights", "train_shift",
        "capacity_sweep", "weight_table", "worked_example", "save", "load", "draw_graph",
        "draw_network", "pipe", "render",
    ]:  # fmt: skip
        assert re.search(rf"(^|\s){re.escape(name)}\b", covered), f"no row for {name}"


# ---- a checkpoint loaded into a model it does not fit -----------------------------------------------


def checkpoint(tmp_path: Path, model: nn.Module, extra: dict | None = None) -> Path:
    path = tmp_path / "model.npz"
    save({**model.state_dict(), **(extra or {})}, path)
    return path


@pytest.mark.parametrize(
    "saved, loaded_into, pattern",
    [
        pytest.param(
            lambda: nn.MLP(5, 2, 5),
            lambda: nn.MLP(5, 3, 5),
            r"^load_state_dict: 'layers.0.weight' is float32\[2, 5\], the model expects float32\[3, 5\]",
            id="other-hidden-size",
        ),
        pytest.param(
            lambda: nn.MLP(5, 2, 5),
            lambda: nn.MLP(5, 2, 5, bias=True),
            r"^load_state_dict: the names do not match MLP: missing \['layers.0.bias', 'layers.1.bias'\], "
            r"unexpected none",
            id="missing-parameters",
        ),
        pytest.param(
            lambda: nn.MLP(5, [2, 2], 5),
            lambda: nn.MLP(5, 2, 5),
            r"^load_state_dict: the names do not match MLP: missing none, unexpected \['layers.2.weight'\]",
            id="extra-parameters",
        ),
        pytest.param(
            lambda: nn.MLP(5, 2, 5, dtype=np.float64),
            lambda: nn.MLP(5, 2, 5),
            r"^load_state_dict: 'layers.0.weight' is float64\[2, 5\], the model expects float32\[2, 5\]",
            id="other-dtype",
        ),
        pytest.param(
            lambda: nn.MLP(5, 2, 5),
            lambda: nn.ValueMLP(5, 3, 5),
            r"^load_state_dict: ValueMLP expects 'layers.0.weight' of shape \[3, 5\], got \[2, 5\]",
            id="value-mlp-other-shape",
        ),
    ],
)
def test_loading_a_checkpoint_into_a_model_it_does_not_fit(tmp_path, saved, loaded_into, pattern):
    path = checkpoint(tmp_path, saved())
    model = loaded_into()
    before = {name: array.copy() for name, array in model.state_dict().items()}
    assert_clear_error(lambda: model.load_state_dict(load(path)), ValueError, pattern)
    after = model.state_dict()
    assert all(np.array_equal(before[name], after[name]) for name in before)  # nothing half-loaded


def test_an_extra_entry_in_a_checkpoint_is_named(tmp_path):
    path = checkpoint(tmp_path, nn.MLP(5, 2, 5), extra={"step": np.array(100)})
    assert_clear_error(
        lambda: nn.MLP(5, 2, 5).load_state_dict(load(path)),
        ValueError,
        r"^load_state_dict: the names do not match MLP: missing none, unexpected \['step'\]",
    )


def test_a_truncated_checkpoint_is_refused_clearly(tmp_path):
    # The full set of damaged files is in test_io.py; this one checks where the error comes from.
    path = checkpoint(tmp_path, nn.MLP(5, 2, 5))
    path.write_bytes(path.read_bytes()[:-40])
    pattern = r"^load: '.*model.npz' is not a valid .npz checkpoint"
    assert_clear_error(lambda: load(path), CheckpointError, pattern)


# ---- the command line: non-zero exit, one line on stderr -----------------------------------------------


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    try:
        status = cli.main(args)
    except SystemExit as exit_:  # argparse's usage errors
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line(status: int, out: str, err: str, pattern: str) -> None:
    assert status != 0
    assert out == "", out  # refused before any training or printing
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    assert re.search(pattern, err), err


@pytest.mark.parametrize(
    "args, pattern",
    [
        (["train", "--lr", "nan"], r"train_shift: lr must be a positive number, got nan"),
        (["train", "--lr", "inf"], r"train_shift: lr must be a positive number, got inf"),
        (["train", "--n", "-3"], r"shift_task: n must be an int >= 2"),
        (["train", "--hidden", "-1"], r"train_shift: hidden must be a positive int, got -1"),
        (["train", "--seed", "-1"], r"train_shift: seed must be a non-negative int"),
        (["train", "--steps", "1e3"], r"argument --steps: invalid int value: '1e3'"),
        (["train", "--save", TMP], r"--save: '.*' is a directory"),
        (["draw", "--input", "0"], r"--input must be one of the inputs that fire, 1..4, got 0"),
        (["draw", "--n", "1"], r"shift_task: n must be an int >= 2"),
        (["draw", "--hidden", "0"], r"train_shift: hidden must be a positive int"),
        (["draw", "--format", "gif"], r"argument --format: invalid choice: 'gif'"),
        (["sweep", "--lr", "-1", "--max-n", "3"], r"train_shift: lr must be a positive number, got -1.0"),
        (["sweep", "--steps", "-5", "--max-n", "3"], r"train_shift: steps must be a non-negative int"),
        (["sweep", "--hidden", "x"], r"argument --hidden: invalid int value: 'x'"),
    ],
)
def test_the_cli_refuses_bad_input_with_one_line(args, pattern, capsys):
    status, out, err = run_cli([*args, "--quiet"], capsys)
    assert_one_line(status, out, err, rf"^tinygrad-lite {args[0]}: error: {pattern}")


def test_the_cli_refuses_a_file_as_the_picture_folder(tmp_path, capsys):
    taken = tmp_path / "pictures"
    taken.write_text("not a folder")
    status, out, err = run_cli(["draw", "--out", str(taken), "--quiet"], capsys)
    assert_one_line(status, out, err, r"^tinygrad-lite draw: error: --out: '.*pictures' is a file")


@pytest.mark.parametrize(
    "error, pattern",
    [
        (MemoryError("Unable to allocate 74.5 GiB for an array"), r"error: Unable to allocate 74.5 GiB"),
        (MemoryError(), r"error: MemoryError$"),
        (ValueError("first line\nsecond line"), r"error: first line second line$"),
    ],
)
def test_the_cli_reports_out_of_memory_and_long_messages_on_one_line(error, pattern, capsys, monkeypatch):
    def fails(*args, **kwargs):
        raise error

    monkeypatch.setattr(tasks, "train_shift", fails)
    assert_one_line(*run_cli(["train", "--quiet"], capsys), pattern)
