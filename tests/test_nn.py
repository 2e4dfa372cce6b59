"""Tests for nn.py: Linear, MLP (also with copies), Dropout, the scalar twin, the losses it re-exports,
checkpoints loaded into a model, and clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tinygrad_lite import Tensor, Value, functional, gradcheck, load, nn, optim, save
from tinygrad_lite.engine import iter_graph, op
from tinygrad_lite.functional import log_softmax

# ---- Linear -------------------------------------------------------------------------


def test_linear_shapes_layout_and_forward():
    layer = nn.Linear(4, 3, rng=0)
    assert layer.weight.shape == (3, 4)  # PyTorch's layout: (out_features, in_features)
    assert layer.bias.shape == (3,)
    assert layer.weight.dtype == np.float32 and layer.weight.requires_grad
    x = np.arange(8, dtype=np.float32).reshape(2, 4) / 8
    out = layer(Tensor(x))
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out.data, x @ layer.weight.data.T + layer.bias.data, rtol=1e-6)
    batched = layer(Tensor(np.ones((5, 2, 4), np.float32)))  # any leading axes
    assert batched.shape == (5, 2, 3)


def test_linear_init_is_uniform_within_one_over_sqrt_in():
    layer = nn.Linear(100, 60, rng=0, dtype=np.float64)
    bound = 1 / np.sqrt(100)
    for p in (layer.weight.data, layer.bias.data):
        assert np.abs(p).max() <= bound
    w = layer.weight.data.ravel()
    assert np.abs(w).max() > 0.99 * bound  # it uses the whole range...
    assert abs(w.mean()) < 0.03 * bound and abs(w.std() - bound / np.sqrt(3)) < 0.03 * bound  # ...evenly
    np.testing.assert_array_equal(nn.Linear(100, 60, rng=0, dtype=np.float64).weight.data, w.reshape(60, 100))


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False, rng=0)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    x = np.ones((1, 3), np.float32)
    np.testing.assert_allclose(layer(Tensor(x)).data, x @ layer.weight.data.T)


def test_linear_errors():
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r"last dimension is 3 \(in_features\), got shape \(2, 4\)"):
        layer(Tensor(np.ones((2, 4))))
    with pytest.raises(ValueError, match=r"got shape \(\)"):
        layer(Tensor(1.0))
    with pytest.raises(TypeError, match="expects a Tensor input, got ndarray"):
        layer(np.ones((2, 3)))
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="in_features must be a positive int"):
            nn.Linear(bad, 2)
        with pytest.raises(ValueError, match="out_features must be a positive int"):
            nn.Linear(2, bad)


# ---- MLP ------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 11])
def test_the_seeds_network_has_2_n_2_weights_and_no_biases(n):
    # The seed: 5 inputs -> 2 -> 5 outputs has 5*2*2 = 20 connections, 11 has 44.
    mlp = nn.MLP(n, 2, n, bias=False)
    assert [name for name, _ in mlp.named_parameters()] == ["layers.0.weight", "layers.1.weight"]
    assert sum(p.data.size for p in mlp.parameters()) == 2 * n * 2
    assert [layer.weight.shape for layer in mlp.layers] == [(2, n), (n, 2)]
    assert [name for name, _ in nn.MLP(n, 2, n).named_parameters()] == [  # no bias by default
        "layers.0.weight",
        "layers.1.weight",
    ]


def test_mlp_with_a_list_of_hidden_sizes():
    mlp = nn.MLP(4, [3, 5], 2, bias=True, rng=0)
    assert [layer.weight.shape for layer in mlp.layers] == [(3, 4), (5, 3), (2, 5)]
    assert len(mlp.parameters()) == 6
    assert mlp(Tensor(np.ones((7, 4), np.float32))).shape == (7, 2)


@pytest.mark.parametrize(
    "activation, fn",
    [
        ("tanh", np.tanh),
        ("relu", lambda z: np.maximum(z, 0)),
        ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
        ("linear", lambda z: z),
    ],
)
def test_mlp_forward_matches_numpy(activation, fn):
    mlp = nn.MLP(3, [4, 4], 2, activation=activation, bias=True, rng=0, dtype=np.float64)
    x = np.random.default_rng(1).normal(size=(5, 3))
    expected = x
    for i, layer in enumerate(mlp.layers):
        expected = expected @ layer.weight.data.T + layer.bias.data
        if i < len(mlp.layers) - 1:
            expected = fn(expected)
    np.testing.assert_allclose(mlp(Tensor(x)).data, expected, rtol=1e-12)


def test_mlp_errors():
    with pytest.raises(
        ValueError, match=r"activation must be one of \('tanh', 'relu', 'sigmoid', 'linear', 'leaky_relu', "
    ):
        nn.MLP(3, 2, 3, activation="softmax")
    with pytest.raises(ValueError, match=r"hidden\[0\] must be a positive int, got 0"):
        nn.MLP(3, 0, 3)
    with pytest.raises(ValueError, match=r"hidden\[1\] must be a positive int, got -2"):
        nn.MLP(3, [2, -2], 3)
    with pytest.raises(ValueError, match="n_in must be a positive int"):
        nn.MLP(0, 2, 3)


def test_mlp_same_rng_same_weights():
    a, b = nn.MLP(5, 2, 5, rng=7), nn.MLP(5, 2, 5, rng=7)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert not np.array_equal(a.layers[0].weight.data, a.layers[1].weight.data.T)


# ---- copies: K networks stacked on a leading axis ---------------------------------------


def test_linear_with_copies_has_a_leading_axis():
    layer = nn.Linear(4, 3, rng=0, copies=5)
    assert layer.weight.shape == (5, 3, 4) and layer.bias.shape == (5, 1, 3)
    assert repr(layer) == "Linear(in_features=4, out_features=3, bias=True, copies=5)"
    shared = Tensor(np.ones((2, 4), np.float32))  # one batch for every copy
    assert layer(shared).shape == (5, 2, 3)
    own = Tensor(np.ones((5, 2, 4), np.float32))  # a batch per copy
    assert layer(own).shape == (5, 2, 3)


def seed_mlps(k: int, **kwargs) -> list[nn.MLP]:
    return [nn.MLP(5, [3, 2], 4, rng=seed, dtype=np.float64, **kwargs) for seed in range(k)]


@pytest.mark.parametrize("bias", [False, True])
def test_stacked_copies_compute_exactly_what_each_network_computes_alone(bias):
    alone = seed_mlps(3, bias=bias, activation="relu")
    stacked = nn.MLP.stack(alone)
    assert stacked.copies == 3 and "copies=3" in repr(stacked)
    x = np.random.default_rng(9).normal(size=(6, 5))
    targets = np.array([0, 3, 1, 2, 2, 0])
    out = stacked(Tensor(x))
    assert out.shape == (3, 6, 4)
    nn.cross_entropy(out, np.broadcast_to(targets, (3, 6)), reduction="none").mean(axis=1).sum().backward()
    for k, mlp in enumerate(alone):
        single = mlp(Tensor(x))
        assert out.data[k].tobytes() == single.data.tobytes()
        nn.cross_entropy(single, targets).backward()
        for p, q in zip(stacked.parameters(), mlp.parameters()):
            np.testing.assert_allclose(p.grad[k].reshape(q.shape), q.grad, rtol=1e-13, atol=1e-16)


def test_copy_takes_one_network_out_and_stack_puts_it_back():
    alone = seed_mlps(3, bias=True)
    stacked = nn.MLP.stack(alone)
    for k, mlp in enumerate(alone):
        taken = stacked.copy(k)
        assert taken.copies is None and repr(taken) == repr(mlp)
        for name, array in mlp.state_dict().items():
            assert taken.state_dict()[name].tobytes() == array.tobytes(), name
    taken = stacked.copy(1)
    taken.layers[0].weight.data[...] = 0.0  # its own arrays
    assert stacked.layers[0].weight.data[1].any()
    again = nn.MLP.stack([stacked.copy(k) for k in range(3)])
    for name, array in stacked.state_dict().items():
        assert again.state_dict()[name].tobytes() == array.tobytes()


def test_an_mlp_with_copies_trains_with_one_optimizer():
    stacked = nn.MLP(3, 4, 2, bias=True, rng=0, copies=2, dtype=np.float64)
    opt = optim.Adam(stacked.parameters(), lr=0.05)
    x, y = Tensor(np.eye(3)[:2]), np.array([[1, 0], [1, 0]])
    losses = []
    for _ in range(50):
        loss = nn.cross_entropy(stacked(x), y, reduction="none").mean(axis=1)
        losses.append(loss.data.copy())
        opt.zero_grad()
        loss.sum().backward()
        opt.step()
    assert (losses[-1] < losses[0] / 10).all()


# ---- ValueMLP, the scalar twin ---------------------------------------------------------


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("hidden", [2, [3, 2]])
def test_value_mlp_matches_the_tensor_mlp(bias, hidden):
    mlp = nn.MLP(4, hidden, 4, bias=bias, rng=0, dtype=np.float64)
    twin = nn.ValueMLP.from_mlp(mlp)
    assert repr(twin).replace("ValueLinear", "Linear").replace("ValueMLP", "MLP") == repr(mlp)
    for name, array in mlp.state_dict().items():
        assert twin.state_dict()[name].tobytes() == array.tobytes(), name

    X = np.random.default_rng(1).normal(size=(3, 4))
    y = np.array([1, 3, 0])
    loss = nn.cross_entropy(mlp(Tensor(X)), y)
    loss.backward()
    value_loss = sum(nn.value_cross_entropy(twin(list(row)), int(t)) for row, t in zip(X, y)) / len(y)
    value_loss.backward()
    assert value_loss.data == pytest.approx(loss.item(), rel=1e-12)
    for i, (layer, twin_layer) in enumerate(zip(mlp.layers, twin.layers)):
        twin_grad = np.array([[w.grad for w in row] for row in twin_layer.weight])
        np.testing.assert_allclose(twin_grad, layer.weight.grad, rtol=1e-10, atol=1e-14, err_msg=f"layer {i}")
        if bias:
            twin_bias = np.array([b.grad for b in twin_layer.bias])
            np.testing.assert_allclose(twin_bias, layer.bias.grad, rtol=1e-10, atol=1e-14)


def test_value_mlp_from_a_float32_mlp_keeps_its_numbers():
    mlp = nn.MLP(3, 2, 3, rng=0)  # float32
    twin = nn.ValueMLP.from_mlp(mlp)
    for name, array in mlp.state_dict().items():
        np.testing.assert_array_equal(twin.state_dict()[name], array.astype(np.float64))


def test_value_modules_load_their_own_state_dict():
    # The same Module.load_state_dict as for Tensors: a list of Values is one float64 entry.
    layer = nn.ValueLinear(3, 2, rng=0)
    state = nn.ValueLinear(3, 2, rng=1).state_dict()
    assert {name: (a.shape, a.dtype) for name, a in state.items()} == {
        "weight": ((2, 3), np.float64),
        "bias": ((2,), np.float64),
    }
    layer.load_state_dict(state)
    for name, array in layer.state_dict().items():
        np.testing.assert_array_equal(array, state[name])
    twin = nn.ValueMLP(3, 2, 3, rng=0)
    with pytest.raises(ValueError, match=r"names do not match ValueMLP: missing \['layers.1.weight'\]"):
        twin.load_state_dict({"layers.0.weight": np.zeros((2, 3))})
    with pytest.raises(
        ValueError, match=r"'layers.0.weight' is float64\[3, 2\], the model expects float64\[2, 3\]"
    ):
        twin.load_state_dict({"layers.0.weight": np.zeros((3, 2)), "layers.1.weight": np.zeros((3, 2))})
    with pytest.raises(ValueError, match=r"missing none, unexpected \['layers.0.bias'\]"):
        twin.load_state_dict({**twin.state_dict(), "layers.0.bias": np.zeros(2)})


def test_value_mlp_parameters_are_the_values():
    twin = nn.ValueMLP(3, 2, 3, rng=0)
    params = twin.parameters()
    assert len(params) == 3 * 2 + 2 * 3 and all(isinstance(p, Value) for p in params)
    assert twin.layers[0].weight[1][2].label == "w1[1,2]"


# ---- losses ----------------------------------------------------------------------------


def numpy_log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def numpy_cross_entropy(logits: np.ndarray, targets: np.ndarray, reduction: str) -> np.ndarray:
    picked = -np.take_along_axis(numpy_log_softmax(logits), targets[..., None], axis=-1)[..., 0]
    return {"mean": picked.mean(), "sum": picked.sum(), "none": picked}[reduction]


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 4), (3,)])
def test_cross_entropy_matches_numpy(reduction, shape):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=shape) * 3
    targets = rng.integers(0, shape[-1], size=shape[:-1])
    loss = nn.cross_entropy(Tensor(logits), targets, reduction=reduction)
    expected = numpy_cross_entropy(logits, targets, reduction)
    assert loss.shape == np.shape(expected)
    np.testing.assert_allclose(loss.data, expected, rtol=1e-12)
    lp = numpy_log_softmax(logits)
    nll = nn.nll_loss(Tensor(lp), targets, reduction=reduction)
    np.testing.assert_allclose(nll.data, expected, rtol=1e-12)


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    rng = np.random.default_rng(0)
    logits = Tensor(rng.normal(size=(4, 5)), requires_grad=True)
    targets = np.array([0, 4, 2, 2])
    nn.cross_entropy(logits, targets).backward()
    softmax = np.exp(numpy_log_softmax(logits.data))
    np.testing.assert_allclose(logits.grad, (softmax - np.eye(5)[targets]) / 4, rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("loss_fn", [nn.cross_entropy, nn.nll_loss])
@pytest.mark.parametrize(
    "targets", [np.array([[0, 3, 1], [2, 2, 0]]), np.array([1, 3]), np.array(2)], ids=["3-D", "2-D", "1-D"]
)
def test_losses_pass_gradcheck(loss_fn, reduction, targets):
    rng = np.random.default_rng(1)
    x = Tensor(rng.normal(size=(*targets.shape, 4)), requires_grad=True)
    assert gradcheck(lambda t: loss_fn(t, targets, reduction=reduction), [x])


def test_cross_entropy_is_finite_for_huge_logits():
    for dtype in (np.float32, np.float64):
        logits = Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype), requires_grad=True)
        loss = nn.cross_entropy(logits, np.array([1, 2]))
        loss.backward()
        assert loss.dtype == dtype
        assert np.isfinite(loss.data) and np.isfinite(logits.grad).all()
        # Example 1 misses by 2e4; example 2 splits between two equal logits: log 2.
        assert loss.item() == pytest.approx((2e4 + np.log(2)) / 2, rel=1e-6)
        np.testing.assert_allclose(logits.grad, [[0.5, -0.5, 0.0], [0.0, 0.25, -0.25]], atol=1e-7)


def test_targets_may_be_an_integer_tensor():
    logits = Tensor(np.zeros((2, 3)))
    assert nn.cross_entropy(logits, Tensor(np.array([0, 2]))).item() == pytest.approx(np.log(3))


def test_loss_errors():
    logits = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\), got values from 1 to 3"):
        nn.cross_entropy(logits, np.array([1, 3]))
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\), got values from -1 to 0"):
        nn.nll_loss(logits, np.array([-1, 0]))
    with pytest.raises(TypeError, match="targets must be integer class indices, got dtype float64"):
        nn.cross_entropy(logits, np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="got dtype bool"):
        nn.cross_entropy(logits, np.array([True, False]))
    with pytest.raises(ValueError, match=r"targets of shape \(3,\) do not match input of shape \(2, 3\)"):
        nn.cross_entropy(logits, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"reduction must be one of \('mean', 'sum', 'none'\), got 'avg'"):
        nn.cross_entropy(logits, np.array([0, 1]), reduction="avg")
    with pytest.raises(TypeError, match="expects a Tensor"):
        nn.cross_entropy(np.zeros((2, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match="got a 0-d tensor"):
        nn.nll_loss(Tensor(1.0), 0)


def test_value_cross_entropy():
    logits = [Value(1.0), Value(-2.0), Value(0.5)]
    loss = nn.value_cross_entropy(logits, 2)
    expected = nn.cross_entropy(Tensor(np.array([1.0, -2.0, 0.5])), np.array(2)).item()
    assert loss.data == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match=r"target must be in \[0, 3\), got 3"):
        nn.value_cross_entropy(logits, 3)
    with pytest.raises(TypeError, match=r"target must be an int class index, got 1\.0"):
        nn.value_cross_entropy(logits, 1.0)


def test_value_cross_entropy_is_minus_the_target_log_softmax_bit_for_bit():
    """It builds only the output it uses: value, gradients and graph are those of the full list."""
    data = [0.3, -1.7, 2.2, 0.0]
    for target in range(len(data)):
        fused, full = [Value(x) for x in data], [Value(x) for x in data]
        loss = nn.value_cross_entropy(fused, target)
        reference = -log_softmax(full)[target]
        loss.backward()
        reference.backward()
        assert loss.data == reference.data
        assert [v.grad for v in fused] == [v.grad for v in full]
        assert [n.op for n in iter_graph(loss)] == [n.op for n in iter_graph(reference)]


def test_value_cross_entropy_builds_one_log_softmax_op(monkeypatch):
    made = []

    def counting_op(name, *args):
        made.append(name)
        return op(name, *args)

    monkeypatch.setattr(functional, "op", counting_op)
    nn.value_cross_entropy([Value(x) for x in (0.3, -1.7, 2.2)], 1)
    assert made == ["log_softmax"]  # the minus sign is Value's own op, in value.py


def test_mse_loss():
    rng = np.random.default_rng(0)
    prediction = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    target = rng.normal(size=(4, 3))
    loss = nn.mse_loss(prediction, target)
    assert loss.item() == pytest.approx(((prediction.data - target) ** 2).mean(), rel=1e-12)
    loss.backward()
    np.testing.assert_allclose(prediction.grad, 2 * (prediction.data - target) / 12, rtol=1e-12)
    assert gradcheck(lambda p: nn.mse_loss(p, Tensor(target)), [prediction])
    # (4, 1) against (4,) would broadcast to (4, 4) and compare every pair.
    with pytest.raises(
        ValueError, match=r"target of shape \(4,\) does not match prediction of shape \(4, 1\)"
    ):
        nn.mse_loss(Tensor(np.zeros((4, 1))), np.zeros(4))


@pytest.mark.parametrize("x_shape", [(4,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_op_gradchecks_for_any_batch_shape(x_shape, bias):
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal(x_shape), requires_grad=True)
    w = Tensor(rng.standard_normal((5, 4)), requires_grad=True)
    b = Tensor(rng.standard_normal(5), requires_grad=True) if bias else None
    inputs = [x, w] + ([b] if bias else [])
    assert gradcheck(lambda x, w, *b: nn.linear(x, w, *b), inputs)
    np.testing.assert_allclose(
        nn.linear(x, w, b).data, x.data @ w.data.T + (b.data if bias else 0), rtol=1e-12
    )


def test_losses_refuse_integer_scores():
    for loss in (nn.cross_entropy, nn.nll_loss):
        with pytest.raises(TypeError, match="floating-point scores, got dtype int64"):
            loss(Tensor([[1, 2, 3]]), [0])


def test_the_dropout_module_follows_its_mode_and_its_seed():
    layer = nn.Dropout(0.5, rng=0)
    x = Tensor(np.ones((3, 4)))
    first, second = layer(x).data, layer(x).data
    assert not np.array_equal(first, second)  # a fresh mask each call...
    again = nn.Dropout(0.5, rng=0)
    assert np.array_equal(again(x).data, first) and np.array_equal(
        again(x).data, second
    )  # ...the same sequence
    assert layer.eval()(x) is x
    assert repr(layer) == "Dropout(p=0.5)"


# ---- bad input: a clear error ------------------------------------------------------------


def mlp() -> nn.MLP:
    return nn.MLP(3, 2, 3, rng=0)


# fmt: off
BAD_INPUT = [
    ("Dropout-p", lambda: nn.Dropout(-0.1),
     ValueError, r"^Dropout: p must be a probability in \[0, 1\], got -0.1"),
    ("Dropout-rng", lambda: nn.Dropout(0.5, rng=1.5), TypeError, r"^Dropout: rng must be a numpy Generator"),
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
    ("Linear-copies", lambda: nn.Linear(3, 2, copies=0),
     ValueError, r"^Linear: copies must be a positive int, got 0"),
    ("Linear-copies-input", lambda: nn.Linear(3, 2, copies=4)(Tensor(np.ones((3, 5, 3)))), ValueError,
     r"^linear: an input of shape \(3, 5, 3\) does not fit weight of shape \(4, 2, 3\)"),
    ("MLP-n_in", lambda: nn.MLP(0, 2, 3), ValueError, r"^MLP: n_in must be a positive int, got 0"),
    ("MLP-hidden", lambda: nn.MLP(3, [2, 0], 3),
     ValueError, r"^MLP: hidden\[1\] must be a positive int, got 0"),
    ("MLP-hidden-negative", lambda: nn.MLP(3, -2, 3),
     ValueError, r"^MLP: hidden\[0\] must be a positive int"),
    ("MLP-hidden-None", lambda: nn.MLP(3, None, 3), TypeError,
     r"^MLP: hidden must be an int or a list of ints, got None"),
    ("MLP-n_out", lambda: nn.MLP(3, 2, 0), ValueError, r"^MLP: n_out must be a positive int, got 0"),
    ("MLP-activation", lambda: nn.MLP(3, 2, 3, activation="swish"), ValueError,
     r"^MLP: activation must be one of \('tanh', 'relu', 'sigmoid', 'linear', .*'mish'\), got 'swish'"),
    ("MLP-rng", lambda: nn.MLP(3, 2, 3, rng=1.5), TypeError, r"^MLP: rng must be a numpy Generator"),
    ("MLP-dtype", lambda: nn.MLP(3, 2, 3, dtype=np.int64),
     TypeError, r"^MLP: dtype must be a floating-point dtype"),
    ("MLP-input", lambda: mlp()(Tensor(np.ones((2, 4)))), ValueError,
     r"^Linear: expected an input whose last dimension is 3 \(in_features\), got shape \(2, 4\)"),
    ("MLP-copies", lambda: nn.MLP(3, 2, 3, copies=1.5),
     ValueError, r"^MLP: copies must be a positive int, got 1.5"),
    ("MLP.copy-range", lambda: nn.MLP(3, 2, 3, copies=2).copy(2), ValueError,
     r"^MLP.copy: k must be an int in \[0, 2\), got 2"),
    ("MLP.copy-plain", lambda: mlp().copy(0), ValueError,
     r"^MLP.copy: this MLP has no copies axis; it is already one network"),
    ("MLP.stack-empty", lambda: nn.MLP.stack([]), TypeError,
     r"^MLP.stack: expects a non-empty list of MLPs, got \[\]"),
    ("MLP.stack-Linear", lambda: nn.MLP.stack([nn.Linear(3, 3)]), TypeError,
     r"^MLP.stack: expects a non-empty list of MLPs, got \[Linear"),
    ("MLP.stack-shapes", lambda: nn.MLP.stack([mlp(), nn.MLP(3, 4, 3)]), ValueError,
     r"^MLP.stack: every MLP must have the same layers, shapes and dtype"),
    ("MLP.stack-dtypes", lambda: nn.MLP.stack([mlp(), nn.MLP(3, 2, 3, dtype=np.float64)]), ValueError,
     r"^MLP.stack: every MLP must have the same layers, shapes and dtype"),
    ("MLP.stack-copies", lambda: nn.MLP.stack([nn.MLP(3, 2, 3, copies=2)]), ValueError,
     r"^MLP.stack: expects MLPs without copies; take them out with copy\(k\) first"),
    ("ValueLinear-zero", lambda: nn.ValueLinear(0, 2),
     ValueError, r"^ValueLinear: in_features must be a positive int, got 0"),
    ("ValueLinear-float", lambda: nn.ValueLinear(2.5, 2),
     ValueError, r"^ValueLinear: in_features must be a positive int, got 2.5"),
    ("ValueLinear-negative", lambda: nn.ValueLinear(2, -1),
     ValueError, r"^ValueLinear: out_features must be a positive int, got -1"),
    ("ValueLinear-rng", lambda: nn.ValueLinear(2, 1, rng="x"),
     TypeError, r"^ValueLinear: rng must be a numpy Generator"),
    ("ValueLinear-input-count", lambda: nn.ValueLinear(2, 1)([1.0, 2.0, 3.0]),
     ValueError, r"^ValueLinear: expected 2 inputs, got 3"),
    ("ValueLinear-input-number", lambda: nn.ValueLinear(2, 1)(3.0), TypeError,
     r"^ValueLinear: expects a list of 2 Values or numbers, got float"),
    ("ValueLinear-input-tensor", lambda: nn.ValueLinear(2, 1)(Tensor([1.0, 2.0])), TypeError,
     r"^ValueLinear: expects Values or numbers, got Tensor"),
    ("ValueMLP-hidden", lambda: nn.ValueMLP(3, 0, 3),
     ValueError, r"^ValueMLP: hidden\[0\] must be a positive int"),
    ("ValueMLP-input", lambda: nn.ValueMLP(3, 2, 3)([1.0]),
     ValueError, r"^ValueLinear: expected 3 inputs, got 1"),
    ("ValueMLP-None", lambda: nn.ValueMLP(3, 2, 3)(None), TypeError,
     r"^ValueLinear: expects a list of 3 Values or numbers, got NoneType"),
    ("ValueMLP-from_mlp", lambda: nn.ValueMLP.from_mlp("x"),
     TypeError, r"^ValueMLP.from_mlp: expects an MLP, got str"),
    ("ValueMLP-from_mlp-copies", lambda: nn.ValueMLP.from_mlp(nn.MLP(3, 2, 3, copies=2)), ValueError,
     r"^ValueMLP.from_mlp: expects an MLP without copies; take one out with mlp.copy\(k\)"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)


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
            r"^load_state_dict: 'layers.0.weight' is float32\[2, 5\], the model expects float64\[3, 5\]",
            id="value-mlp-other-shape",
        ),
        pytest.param(
            lambda: nn.MLP(5, 2, 5, copies=3),
            lambda: nn.MLP(5, 2, 5),
            r"^load_state_dict: 'layers.0.weight' is float32\[3, 2, 5\], the model expects float32\[2, 5\]",
            id="copies-into-one",
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
