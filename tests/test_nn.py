"""Tests for nn.py: parameter discovery, state dicts, Linear, MLP, its scalar twin, and the losses."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_lite import Tensor, Value, gradcheck, nn

# ---- Module: parameters found by attribute ------------------------------------------


class Block(nn.Module):
    """A module with every kind of attribute a parameter can hide in."""

    def __init__(self) -> None:
        self.scale = Tensor(np.ones(3), requires_grad=True)
        self.fixed = Tensor(np.ones(3))  # requires_grad=False: a constant, not a parameter
        self.inner = nn.Linear(3, 2, rng=0)
        self.layers = [nn.Linear(2, 2, rng=1), nn.Linear(2, 1, bias=False, rng=2)]
        self.offset = Value(0.5)
        self.name = "block"  # neither

    def forward(self, x: Tensor) -> Tensor:
        x = self.inner(x * self.scale + self.fixed)
        for layer in self.layers:
            x = layer(x).tanh()
        return x + self.offset.data


class Outer(nn.Module):
    def __init__(self) -> None:
        self.block = Block()
        self.head = nn.Linear(1, 1, rng=3)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.block(x))


BLOCK_NAMES = [
    "scale",
    "inner.weight",
    "inner.bias",
    "layers.0.weight",
    "layers.0.bias",
    "layers.1.weight",
    "offset",
]


def test_parameters_are_found_by_attribute_in_order():
    block = Block()
    named = list(block.named_parameters())
    assert [name for name, _ in named] == BLOCK_NAMES
    expected = [
        block.scale,
        block.inner.weight,
        block.inner.bias,
        block.layers[0].weight,
        block.layers[0].bias,
        block.layers[1].weight,
        block.offset,
    ]
    assert all(p is q for (_, p), q in zip(named, expected))
    assert all(p is q for p, q in zip(block.parameters(), expected))
    assert not any(p is block.fixed for p in block.parameters())


def test_nested_modules_get_dotted_names():
    outer = Outer()
    names = [name for name, _ in outer.named_parameters()]
    assert names == [f"block.{n}" for n in BLOCK_NAMES] + ["head.weight", "head.bias"]
    assert [name for name, _ in outer.named_children()] == ["block", "head"]
    assert [name for name, _ in outer.block.named_children()] == ["inner", "layers.0", "layers.1"]


def test_a_module_without_forward_says_so():
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        nn.Module()(1)


def test_zero_grad_clears_tensors_and_values():
    block = Block()
    x = Tensor(np.array([[0.1, -0.2, 0.3]]))
    block(x).sum().backward()
    block.offset.grad = 4.0
    assert all(p.grad is not None for p in block.parameters() if isinstance(p, Tensor))
    block.zero_grad()
    for p in block.parameters():
        assert p.grad == 0.0 if isinstance(p, Value) else p.grad is None


# ---- state_dict ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_state_dict_round_trip_is_bit_exact(dtype):
    model = nn.MLP(4, [3, 2], 4, bias=True, rng=0, dtype=dtype)
    # Values whose bits are easy to lose: -0.0, a subnormal, the largest float.
    model.layers[0].weight.data[0, :3] = [-0.0, np.finfo(dtype).smallest_subnormal, np.finfo(dtype).max]
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    other = nn.MLP(4, [3, 2], 4, bias=True, rng=1, dtype=dtype)
    other.load_state_dict(state)
    for (name, p), (_, q) in zip(model.named_parameters(), other.named_parameters()):
        assert q.data.dtype == dtype, name
        assert q.data.tobytes() == p.data.tobytes(), name
    x = Tensor(np.linspace(-1, 1, 8).reshape(2, 4).astype(dtype))
    assert model(x).data.tobytes() == other(x).data.tobytes()


def test_state_dict_copies_both_ways():
    model = nn.Linear(3, 2, rng=0)
    before = model.weight.data.copy()
    state = model.state_dict()
    state["weight"][:] = 7.0  # changing the copy leaves the model alone
    np.testing.assert_array_equal(model.weight.data, before)
    model.weight.data[:] = -1.0  # and changing the model leaves an earlier copy alone
    assert (state["weight"] == 7.0).all()
    model.load_state_dict(state)
    state["weight"][:] = 3.0  # load copies in: the dict is not shared afterwards
    assert (model.weight.data == 7.0).all()


def test_load_state_dict_refuses_missing_and_extra_names():
    model = nn.MLP(3, 2, 3, rng=0)
    state = model.state_dict()
    missing = {k: v for k, v in state.items() if k != "layers.1.weight"}
    with pytest.raises(ValueError, match=r"missing \['layers.1.weight'\], unexpected none"):
        model.load_state_dict(missing)
    extra = {**state, "layers.2.weight": np.zeros((3, 3), np.float32)}
    with pytest.raises(ValueError, match=r"missing none, unexpected \['layers.2.weight'\]"):
        model.load_state_dict(extra)
    with pytest.raises(TypeError, match="expects a dict"):
        model.load_state_dict(list(state.items()))


def test_load_state_dict_refuses_wrong_shape_and_dtype_and_changes_nothing():
    model = nn.MLP(3, 2, 3, rng=0)
    before = {k: v.copy() for k, v in model.state_dict().items()}
    # The first entry is fine: a refused load must not have copied it in already.
    good_first = {"layers.0.weight": np.zeros((2, 3), np.float32)}
    with pytest.raises(ValueError, match=r"'layers.1.weight' is float32\[3, 3\].*expects float32\[3, 2\]"):
        model.load_state_dict({**good_first, "layers.1.weight": np.zeros((3, 3), np.float32)})
    with pytest.raises(ValueError, match=r"'layers.1.weight' is float64\[3, 2\].*expects float32\[3, 2\]"):
        model.load_state_dict({**good_first, "layers.1.weight": np.zeros((3, 2))})
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, before[name])


def test_repr_lists_the_layers():
    text = repr(nn.MLP(5, 2, 5))
    assert text == (
        "MLP(\n"
        "  activation='tanh'\n"
        "  (layers.0): Linear(in_features=5, out_features=2, bias=False)\n"
        "  (layers.1): Linear(in_features=2, out_features=5, bias=False)\n"
        ")"
    )
    nested = repr(Outer())
    assert "(block): Block(\n    (inner): Linear(in_features=3, out_features=2, bias=True)" in nested
    assert nested.endswith("(head): Linear(in_features=1, out_features=1, bias=True)\n)")


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
        ValueError, match=r"activation must be one of \('tanh', 'relu', 'sigmoid', 'linear'\)"
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
    layer = nn.ValueLinear(3, 2, rng=0)
    state = nn.ValueLinear(3, 2, rng=1).state_dict()
    layer.load_state_dict(state)
    for name, array in layer.state_dict().items():
        np.testing.assert_array_equal(array, state[name])
    twin = nn.ValueMLP(3, 2, 3, rng=0)
    with pytest.raises(
        ValueError, match=r"ValueMLP expects 'layers.1.weight' of shape \[3, 2\], got nothing"
    ):
        twin.load_state_dict({"layers.0.weight": np.zeros((2, 3))})
    with pytest.raises(
        ValueError, match=r"ValueMLP expects 'layers.0.weight' of shape \[2, 3\], got \[3, 2\]"
    ):
        twin.load_state_dict({"layers.0.weight": np.zeros((3, 2)), "layers.1.weight": np.zeros((3, 2))})
    with pytest.raises(ValueError, match=r"unexpected names for ValueMLP: \['layers.0.bias'\]"):
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
def test_losses_pass_gradcheck(loss_fn, reduction):
    rng = np.random.default_rng(1)
    x = Tensor(rng.normal(size=(2, 3, 4)), requires_grad=True)
    targets = np.array([[0, 3, 1], [2, 2, 0]])
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
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
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
