"""Tests for optim.py: SGD, Adam, AdamW and RMSprop against PyTorch's update rules, written out in numpy."""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest

from tests.bad_input import INF, NAN, as_params, assert_clear_error
from tinygrad_lite import Tensor, Value, nn, optim

STEPS = 6


def gradients(shape: tuple[int, ...], steps: int = STEPS, seed: int = 0) -> list[np.ndarray]:
    """A fixed sequence of gradients, one per step, of mixed sign and size."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) * 10.0 ** rng.integers(-3, 2) for _ in range(steps)]


# ---- the reference rules (PyTorch's, as its documentation writes them) ---------------------
#
# Each takes the starting point and `grad_of(p, step)`, the gradient at p on that step, so
# the same rule serves fixed gradient sequences and real losses. Returns p after each step.


def sgd_reference(p, grad_of, steps, lr, momentum=0.0, weight_decay=0.0, nesterov=False):
    """torch.optim.SGD: g += wd * p; buf = g on the first step, then momentum * buf + g;
    p -= lr * (g + momentum * buf) with nesterov, else p -= lr * buf."""
    buf, out = None, []
    for step in range(steps):
        g = grad_of(p, step) + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
        out.append(p)
    return out


def adam_reference(p, grad_of, steps, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    """torch.optim.Adam as in the paper: bias-corrected moments, eps added to sqrt(v_hat).
    With weight_decay, AdamW: p *= 1 - lr * weight_decay before the Adam step."""
    b1, b2 = betas
    m, v, out = np.zeros_like(p), np.zeros_like(p), []
    for t in range(1, steps + 1):
        g = grad_of(p, t - 1)
        p = p * (1 - lr * weight_decay)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p)
    return out


def rmsprop_reference(p, grad_of, steps, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                      centered=False):  # fmt: skip
    """torch.optim.RMSprop: a running mean of g^2 (and of g, centered); the step divides by its root."""
    square_avg, grad_avg, buf, out = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p), []
    for step in range(steps):
        g = grad_of(p, step) + weight_decay * p
        square_avg = alpha * square_avg + (1 - alpha) * g * g
        if centered:
            grad_avg = alpha * grad_avg + (1 - alpha) * g
            denominator = np.sqrt(square_avg - grad_avg**2) + eps
        else:
            denominator = np.sqrt(square_avg) + eps
        if momentum:
            buf = momentum * buf + g / denominator
            p = p - lr * buf
        else:
            p = p - lr * g / denominator
        out.append(p)
    return out


OPTIMIZERS = {  # kind: (ours, the reference rule, torch.optim's name)
    "sgd": (optim.SGD, sgd_reference, "SGD"),
    "adam": (optim.Adam, adam_reference, "Adam"),
    "adamw": (optim.AdamW, adam_reference, "AdamW"),
    "rmsprop": (optim.RMSprop, rmsprop_reference, "RMSprop"),
}

CASES = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.9}),
    ("sgd", {"lr": 0.05, "weight_decay": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.01, "nesterov": True}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-3}),
    ("adamw", {"lr": 0.01}),
    ("adamw", {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-3, "weight_decay": 0.5}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-4, "weight_decay": 0.1}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.9}),
    ("rmsprop", {"lr": 0.01, "centered": True}),
    ("rmsprop", {"lr": 0.005, "alpha": 0.8, "momentum": 0.5, "centered": True, "weight_decay": 0.01}),
]


def make(kind: str, params, kwargs: dict):
    return OPTIMIZERS[kind][0](params, **kwargs)


def reference(kind: str, p0: np.ndarray, grads, kwargs: dict) -> list[np.ndarray]:
    """p after each step; `grads` is a list of gradients, or a function of p."""
    grad_of = grads if callable(grads) else lambda p, step: grads[step]
    steps = STEPS if callable(grads) else len(grads)
    if kind == "adamw":
        kwargs = {"weight_decay": 0.01, **kwargs}  # AdamW's default decay
    return OPTIMIZERS[kind][1](p0, grad_of, steps, **kwargs)


# ---- the update rules --------------------------------------------------------------------


@pytest.mark.parametrize("kind, kwargs", CASES)
def test_tensor_updates_match_the_reference(kind, kwargs):
    p0 = np.random.default_rng(1).normal(size=(3, 4))
    p = Tensor(p0.copy(), requires_grad=True)
    array = p.data
    grads = gradients(p0.shape)
    opt = make(kind, [p], kwargs)
    for step, (g, expected) in enumerate(zip(grads, reference(kind, p0, grads, kwargs))):
        p.grad = g.copy()
        opt.step()
        np.testing.assert_allclose(p.data, expected, rtol=1e-13, atol=1e-15, err_msg=f"step {step + 1}")
    assert p.data is array  # updated in place


@pytest.mark.parametrize("kind, kwargs", CASES)
def test_value_updates_match_the_reference(kind, kwargs):
    p0 = np.array([0.5, -1.5, 2.0])
    params = [Value(float(x)) for x in p0]
    grads = gradients(p0.shape, seed=2)
    opt = make(kind, params, kwargs)
    for g, expected in zip(grads, reference(kind, p0, grads, kwargs)):
        for p, gi in zip(params, g):
            p.grad = float(gi)
        opt.step()
        assert all(isinstance(p.data, float) for p in params)
        np.testing.assert_allclose([p.data for p in params], expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("kind, kwargs", CASES)
def test_float32_parameters_stay_float32(kind, kwargs):
    p0 = np.random.default_rng(1).normal(size=(5,)).astype(np.float32)
    p = Tensor(p0.copy(), requires_grad=True)
    grads = [g.astype(np.float32) for g in gradients(p0.shape)]
    opt = make(kind, [p], kwargs)
    for g in grads:
        p.grad = g
        opt.step()
    assert p.data.dtype == np.float32
    expected = reference(kind, p0.astype(np.float64), [g.astype(np.float64) for g in grads], kwargs)[-1]
    np.testing.assert_allclose(p.data, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind, kwargs", CASES)
def test_training_with_backward_follows_the_reference(kind, kwargs):
    # loss = sum((p - target)^2) / 2, whose gradient is p - target.
    target = np.array([1.0, -2.0, 0.5])
    p = Tensor(np.zeros(3), requires_grad=True)
    opt = make(kind, [p], kwargs)
    expected = reference(kind, np.zeros(3), lambda q, step: q - target, kwargs)
    for step in range(STEPS):
        opt.zero_grad()
        (((p - target) ** 2).sum() / 2).backward()
        opt.step()
        np.testing.assert_allclose(p.data, expected[step], rtol=1e-13, atol=1e-15)
    assert ((p.data - target) ** 2).sum() < (target**2).sum()  # it went downhill


def test_adam_first_step_moves_each_weight_by_lr():
    # m_hat = g and v_hat = g^2 on step 1, so the update is lr * g / (|g| + eps): about lr * sign(g).
    p = Tensor(np.zeros(4), requires_grad=True)
    p.grad = np.array([1e-3, -5.0, 200.0, 0.0])
    optim.Adam([p], lr=0.05).step()
    np.testing.assert_allclose(p.data, [-0.05, 0.05, -0.05, 0.0], rtol=1e-5)


def test_adamw_decays_every_weight_at_the_same_rate_whatever_its_gradient():
    # Decoupled decay: with a zero gradient Adam's step is 0, so only the decay moves p.
    p, v = Tensor(np.array([1.0, -4.0, 1e-3]), requires_grad=True), Value(2.0)
    opt = optim.AdamW([p, v], lr=0.1, weight_decay=0.5)
    for _ in range(3):
        p.grad, v.grad = np.zeros(3), 0.0
        opt.step()
    np.testing.assert_allclose(p.data, np.array([1.0, -4.0, 1e-3]) * 0.95**3, rtol=1e-15)
    assert v.data == pytest.approx(2.0 * 0.95**3, rel=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, float])
def test_adam_in_place_gives_the_bits_of_the_rule_written_out(dtype):
    # The in-place update (few temporaries) must do the rule's operations in the rule's order.
    b1, b2, lr, eps = 0.8, 0.99, 0.05, 1e-8
    rng = np.random.default_rng(3)
    start = rng.normal(size=4)
    grads = [rng.normal(size=4) * 10.0 ** rng.integers(-6, 3) for _ in range(12)]
    if dtype is float:
        params, to_numbers = [Value(float(x)) for x in start], lambda ps: np.array([p.data for p in ps])
    else:
        params, to_numbers = [Tensor(start.astype(dtype), requires_grad=True)], lambda ps: ps[0].data
        grads = [g.astype(dtype) for g in grads]
    opt = optim.Adam(params, lr=lr, betas=(b1, b2), eps=eps)
    p, m, v = to_numbers(params).copy(), 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        if dtype is float:
            for param, gi in zip(params, g):
                param.grad = float(gi)
        else:
            params[0].grad = g.copy()
        opt.step()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * (g * g)
        p = p - lr / (1 - b1**t) * m / (np.sqrt(v) / math.sqrt(1 - b2**t) + eps)
        assert to_numbers(params).tobytes() == p.tobytes(), f"step {t}"


def test_adam_steps_each_tensor_as_an_optimizer_of_its_own_would():
    # The parameters share nothing: b's missing gradients on steps 2-3 change only b's step count.
    rng = np.random.default_rng(4)
    shapes = [(2, 3), (3,), (1, 4, 2)]
    together = [Tensor(rng.normal(size=s), requires_grad=True) for s in shapes]
    alone = [[Tensor(t.data.copy(), requires_grad=True)] for t in together]
    opt = optim.Adam(together, lr=0.05, betas=(0.8, 0.99))
    opts = [optim.Adam(params, lr=0.05, betas=(0.8, 0.99)) for params in alone]
    for step in range(6):
        for k, (t, [a]) in enumerate(zip(together, alone)):
            g = rng.normal(size=shapes[k]) * 10.0 ** rng.integers(-4, 3)
            t.grad, a.grad = (None, None) if k == 1 and step in (1, 2) else (g.copy(), g.copy())
        opt.step()
        for one in opts:
            one.step()
        for t, [a] in zip(together, alone):
            assert t.data.tobytes() == a.data.tobytes(), f"step {step}"
    assert opt.t == [6, 4, 6]


def _constant(value):
    return lambda p, step: np.full_like(p, value)


@pytest.mark.parametrize(
    "copy_it", [copy.deepcopy, lambda o: pickle.loads(pickle.dumps(o))], ids=["deepcopy", "pickle"]
)
def test_a_copied_adam_carries_its_state_and_leaves_the_original_alone(copy_it):
    start = np.array([1.0, -2.0])
    p = Tensor(start.copy(), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    for _ in range(2):
        p.grad = np.ones(2)
        opt.step()
    twin = copy_it(opt)
    for _ in range(2):
        twin.params[0].grad = np.ones(2)
        twin.step()
    expected = adam_reference(start, _constant(1.0), 4, lr=0.1)
    np.testing.assert_allclose(twin.params[0].data, expected[3], rtol=1e-13)
    np.testing.assert_allclose(p.data, expected[1], rtol=1e-13)
    assert twin.t == [4] and opt.t == [2]


def test_adam_uses_state_changed_in_place():
    # Replacing a parameter's m and v, or appending a parameter with its state, takes effect.
    b1, b2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    a = Tensor(np.zeros(3), requires_grad=True)
    opt = optim.Adam([a], lr=lr)
    held_steps = opt.t
    a.grad = np.ones(3)
    opt.step()
    before = a.data.copy()
    opt.m[0], opt.v[0] = np.full(3, 0.5), np.full(3, 0.25)
    a.grad = np.ones(3)
    opt.step()
    m, v = b1 * 0.5 + (1 - b1), b2 * 0.25 + (1 - b2)
    np.testing.assert_allclose(
        a.data, before - lr / (1 - b1**2) * m / (np.sqrt(v) / np.sqrt(1 - b2**2) + eps), rtol=1e-13
    )
    assert held_steps == [2]
    b = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt.params.append(b)
    opt.m.append(np.zeros(2))
    opt.v.append(np.zeros(2))
    opt.t.append(0)
    a.grad, b.grad = np.ones(3), np.full(2, 0.5)
    opt.step()
    np.testing.assert_allclose(
        b.data, adam_reference(np.array([1.0, 2.0]), _constant(0.5), 1, lr)[0], rtol=1e-13
    )
    assert opt.t == [3, 1]


def test_adam_takes_a_float_gradient_for_a_tensor():
    p = Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    for _ in range(3):
        p.grad = 0.5
        opt.step()
    expected = adam_reference(np.array([0.5, -1.5, 2.0]), _constant(0.5), 3, lr=0.1)[-1]
    np.testing.assert_allclose(p.data, expected, rtol=1e-13)


def test_nesterov_looks_ahead_along_the_velocity():
    # With a constant gradient g: buf = g, then 1.9 g; the nesterov steps use g + 0.9 buf.
    p = Value(0.0)
    opt = optim.SGD([p], lr=1.0, momentum=0.9, nesterov=True)
    for _ in range(2):
        p.grad = 1.0
        opt.step()
    assert p.data == pytest.approx(-(1.9 + (1 + 0.9 * 1.9)), rel=1e-15)


# ---- parameters without a gradient --------------------------------------------------------


@pytest.mark.parametrize("kind, kwargs", CASES)
def test_a_parameter_without_grad_is_skipped(kind, kwargs):
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.full(3, 2.0), requires_grad=True)
    grads = gradients((3,))
    opt = make(kind, [a, b], kwargs)
    for step, g in enumerate(grads):
        a.grad = g.copy()
        b.grad = None if step < 2 else g.copy()  # b gets its first gradient on step 3
        opt.step()
        if step < 2:
            np.testing.assert_array_equal(b.data, 2.0)
    np.testing.assert_allclose(a.data, reference(kind, np.ones(3), grads, kwargs)[-1], rtol=1e-13)
    # As in PyTorch, b's momentum and Adam's bias correction start at b's first gradient.
    np.testing.assert_allclose(b.data, reference(kind, np.full(3, 2.0), grads[2:], kwargs)[-1], rtol=1e-13)


def test_zero_grad_clears_tensors_and_values():
    t, v = Tensor(np.ones(2), requires_grad=True), Value(1.0)
    t.grad, v.grad = np.ones(2), 3.0
    opt = optim.SGD([t, v], lr=0.1)
    opt.zero_grad()
    assert t.grad is None and v.grad == 0.0
    opt.step()  # nothing to do: Tensor skipped, Value's grad is 0
    np.testing.assert_array_equal(t.data, 1.0)
    assert v.data == 1.0


def test_zero_grad_calls_each_parameters_own_zero_grad():
    class Spy(Value):
        cleared = 0

        def zero_grad(self) -> None:
            Spy.cleared += 1
            super().zero_grad()

    params = [Spy(1.0), Spy(2.0)]
    optim.Adam(params).zero_grad()
    assert Spy.cleared == 2


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop])
def test_the_same_parameter_twice_is_refused(cls):
    # Listed twice, it would be stepped twice per step: p = 0.8 after one SGD step of 0.1.
    p, q = Tensor(np.ones(2), requires_grad=True), Value(1.0)
    with pytest.raises(
        ValueError, match=rf"^{cls.__name__}: parameter 2 is parameter 0 again; pass each once"
    ):
        cls([p, q, p], lr=0.1)
    tied = nn.Linear(2, 2)
    tied.other = tied.weight  # tied weights: parameters() lists them once, so this is fine
    cls(tied.parameters(), lr=0.1)


# ---- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop])
def test_bad_parameters(cls):
    with pytest.raises(ValueError, match="got an empty parameter list"):
        cls([], lr=0.1)
    with pytest.raises(ValueError, match="got an empty parameter list"):
        cls(iter([]), lr=0.1)
    with pytest.raises(TypeError, match="parameters must be Tensors or Values, got float"):
        cls([1.0], lr=0.1)
    # One Tensor is not a list of them: iterating it would give copies of its rows.
    with pytest.raises(TypeError, match="got a single Tensor; wrap it in a list"):
        cls(Tensor(np.ones((2, 2)), requires_grad=True), lr=0.1)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop])
@pytest.mark.parametrize("lr", [0, -0.1, math.nan, math.inf, "0.1", None, True])
def test_bad_lr(cls, lr):
    with pytest.raises(ValueError, match=f"{cls.__name__}: lr must be a positive finite number"):
        cls([Value(1.0)], lr=lr)


@pytest.mark.parametrize("momentum", [-0.1, 1.0, math.nan, "0.9"])
def test_bad_momentum(momentum):
    with pytest.raises(ValueError, match="SGD: momentum must be in"):
        optim.SGD([Value(1.0)], lr=0.1, momentum=momentum)


@pytest.mark.parametrize(
    "betas", [(0.9,), (0.9, 0.99, 0.999), (1.0, 0.999), (0.9, -0.1), (0.9, math.nan), 0.9]
)
def test_bad_betas(betas):
    with pytest.raises(ValueError, match=r"Adam: betas must be two numbers in \[0, 1\)"):
        optim.Adam([Value(1.0)], betas=betas)


@pytest.mark.parametrize("eps", [-1e-8, math.nan, math.inf])
def test_bad_eps(eps):
    with pytest.raises(ValueError, match="Adam: eps must be a non-negative finite number"):
        optim.Adam([Value(1.0)], eps=eps)


# ---- PyTorch, where installed ----------------------------------------------------------------


@pytest.mark.parametrize("kind, kwargs", CASES)
def test_matches_torch_optim(kind, kwargs):
    torch = pytest.importorskip("torch")
    p0 = np.random.default_rng(1).normal(size=(3, 4))
    grads = gradients(p0.shape)
    ours = Tensor(p0.copy(), requires_grad=True)
    theirs = torch.tensor(p0.copy(), requires_grad=True)
    opt = make(kind, [ours], kwargs)
    torch_opt = getattr(torch.optim, OPTIMIZERS[kind][2])([theirs], **kwargs)
    for g in grads:
        ours.grad = g.copy()
        theirs.grad = torch.tensor(g)
        opt.step()
        torch_opt.step()
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind, kwargs", CASES)
def test_matches_torch_optim_when_a_parameter_misses_steps(kind, kwargs):
    torch = pytest.importorskip("torch")
    grads = gradients((3,))
    ours = [Tensor(np.ones(3), requires_grad=True), Tensor(np.full(3, 2.0), requires_grad=True)]
    theirs = [
        torch.ones(3, dtype=torch.float64, requires_grad=True),
        torch.full((3,), 2.0, dtype=torch.float64),
    ]
    theirs[1].requires_grad_()
    opt = make(kind, ours, kwargs)
    torch_opt = getattr(torch.optim, OPTIMIZERS[kind][2])(theirs, **kwargs)
    for step, g in enumerate(grads):
        for i, (p, q) in enumerate(zip(ours, theirs)):
            missing = step < 2 if i == 1 else step == 3  # b starts late, a skips step 4
            p.grad = None if missing else g.copy()
            q.grad = None if missing else torch.tensor(g)
        opt.step()
        torch_opt.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-12, atol=1e-14)


# ---- bad input: a clear error -----------------------------------------------------------------


def params() -> list[Tensor]:
    return nn.MLP(3, 2, 3, rng=0).parameters()


# fmt: off
BAD_INPUT = [
    ("Optimizer-None", lambda: optim.Optimizer(None, lr=0.1),
     TypeError, r"^Optimizer: expects an iterable of parameters such as model.parameters\(\), got NoneType"),
    ("Optimizer-empty", lambda: optim.Optimizer([], lr=0.1),
     ValueError, r"^Optimizer: got an empty parameter list"),
    ("Optimizer-numbers", lambda: optim.Optimizer([1.0], lr=0.1),
     TypeError, r"^Optimizer: parameters must be Tensors or Values, got float"),
    ("Optimizer-lr", lambda: optim.Optimizer(params(), lr=-1),
     ValueError, r"^Optimizer: lr must be a positive finite number, got -1"),
    ("Optimizer.step-base", lambda: optim.Optimizer(params(), lr=0.1).step(), NotImplementedError,
     r"^Optimizer.step: Optimizer is the base class; use SGD, Adam, AdamW or RMSprop"),
    ("SGD-module", lambda: optim.SGD(nn.MLP(3, 2, 3), lr=0.1), TypeError,
     r"^SGD: expects an iterable of parameters such as model.parameters\(\), got MLP; "
     r"pass model.parameters\(\)"),
    ("SGD-None", lambda: optim.SGD(None, lr=0.1),
     TypeError, r"^SGD: expects an iterable of parameters .*got NoneType"),
    ("SGD-Tensor", lambda: optim.SGD(Tensor(np.ones((2, 3)), requires_grad=True), lr=0.1),
     TypeError, r"^SGD: expects an iterable .*got a single Tensor"),
    ("SGD-empty", lambda: optim.SGD([], lr=0.1), ValueError, r"^SGD: got an empty parameter list"),
    ("SGD-numbers", lambda: optim.SGD([1.0], lr=0.1),
     TypeError, r"^SGD: parameters must be Tensors or Values, got float"),
    ("SGD-twice", lambda: optim.SGD(params() * 2, lr=0.1),
     ValueError, r"^SGD: parameter 2 is parameter 0 again; pass each once"),
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
    ("SGD-weight_decay", lambda: optim.SGD(params(), lr=0.1, weight_decay=-0.1), ValueError,
     r"^SGD: weight_decay must be a non-negative finite number, got -0.1"),
    ("SGD-nesterov", lambda: optim.SGD(params(), lr=0.1, nesterov=True), ValueError,
     r"^SGD: nesterov=True needs a momentum > 0, got momentum=0.0"),
    ("SGD-nesterov-str", lambda: optim.SGD(params(), lr=0.1, momentum=0.9, nesterov="yes"), TypeError,
     r"^SGD: nesterov must be True or False, got 'yes'"),
    ("AdamW-weight_decay", lambda: optim.AdamW(params(), weight_decay=NAN), ValueError,
     r"^AdamW: weight_decay must be a non-negative finite number, got nan"),
    ("AdamW-betas", lambda: optim.AdamW(params(), betas=(1.0, 0.9)), ValueError,
     r"^AdamW: betas must be two numbers in \[0, 1\)"),
    ("AdamW-lr", lambda: optim.AdamW(params(), lr=0),
     ValueError, r"^AdamW: lr must be a positive finite number"),
    ("RMSprop-alpha", lambda: optim.RMSprop(params(), alpha=1.0), ValueError,
     r"^RMSprop: alpha must be in \[0, 1\), got 1.0"),
    ("RMSprop-eps", lambda: optim.RMSprop(params(), eps=-1e-8), ValueError,
     r"^RMSprop: eps must be a non-negative finite number, got -1e-08"),
    ("RMSprop-momentum", lambda: optim.RMSprop(params(), momentum=1.5), ValueError,
     r"^RMSprop: momentum must be in \[0, 1\), got 1.5"),
    ("RMSprop-weight_decay", lambda: optim.RMSprop(params(), weight_decay="0.1"), ValueError,
     r"^RMSprop: weight_decay must be a non-negative finite number, got '0.1'"),
    ("RMSprop-centered", lambda: optim.RMSprop(params(), centered=1), TypeError,
     r"^RMSprop: centered must be True or False, got 1"),
    ("RMSprop-params", lambda: optim.RMSprop(None),
     TypeError, r"^RMSprop: expects an iterable of parameters"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
