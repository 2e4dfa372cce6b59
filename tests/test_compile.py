"""tinygrad_lite.compile: the replayed program gives eager's numbers and gradients bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

import tinygrad_lite
from tests.bad_input import as_params, assert_clear_error
from tests.test_graphs import TensorOps, build, programs, tensor_function, value_function
from tinygrad_lite import Function, Tensor, Value, nn, optim
from tinygrad_lite.compiler import GraphChangedError, TraceError
from tinygrad_lite.engine import AnomalyError, detect_anomaly, iter_graph, no_grad, op


def grads_of(nodes) -> list:
    return [None if n.grad is None else np.array(n.grad, copy=True) for n in nodes]


def assert_same(a, b) -> None:
    """Bit for bit: same dtype, same numbers, nan where nan."""
    if a is None or b is None:
        assert a is None and b is None
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes(), f"{a} != {b}"


def run_both(fn, make_inputs, calls: int = 3):
    """Eager and compiled fn on fresh inputs, `calls` times with changing data: values and gradients."""
    cfn = tinygrad_lite.compile(fn)
    for call in range(calls):
        eager_in, compiled_in = make_inputs(call), make_inputs(call)
        eager, compiled = fn(*eager_in), cfn(*compiled_in)
        assert_same(compiled.data, eager.data)
        eager.backward()
        compiled.backward()
        for e, c in zip(grads_of(eager_in), grads_of(compiled_in)):
            assert_same(c, e)
    return cfn


# ---- random graphs (tests/test_graphs.py's generator) ------------------------------------


def _scalar_loss(root, kind: str):
    w = np.linspace(-1.0, 1.5, int(np.prod(np.shape(root.data if kind == "tensor" else root))))
    if kind == "tensor":
        return (root * w.reshape(root.shape)).sum()
    terms = [v * float(wi) for v, wi in zip(np.asarray(root).flat, w)]
    return sum(terms[1:], terms[0])


@settings(max_examples=30)
@given(programs())
def test_random_tensor_graphs_compile_bit_for_bit(program):
    run, *_ = build(program, TensorOps)
    graph = tensor_function(program, run.answers)

    def fn(*inputs):
        return _scalar_loss(graph(*inputs), "tensor")

    def inputs(call):  # call 0 traces; later calls replay on other numbers
        return [TensorOps.leaf(a + 0.01 * call) for a in [*program.leaves, program.weight]]

    with np.errstate(all="ignore"):
        cfn = run_both(fn, inputs)
    assert cfn.last.program is not None, cfn.source


@settings(max_examples=15)
@given(programs(max_steps=12))
def test_random_value_graphs_compile_bit_for_bit(program):
    run, *_ = build(program, TensorOps)
    graph = value_function(program, run.answers)

    def fn(*values):
        return _scalar_loss(graph(*values), "value")

    def inputs(call):
        return [Value(float(x) + 0.01 * call) for a in [*program.leaves, program.weight] for x in a.flat]

    cfn = run_both(fn, inputs)
    assert cfn.last.program is not None, cfn.source


# ---- the seed's network, trained: Tensor and Value ------------------------------------------


@pytest.mark.parametrize("how", ["compiled loss", "compiled step"])
def test_a_compiled_tensor_training_loop_follows_eager_bit_for_bit(how):
    X, y = tinygrad_lite.shift.shift_task(11)

    def trained(how: str):
        model = nn.MLP(11, 2, 11, bias=True, dtype=np.float64)
        for p, seed in zip(model.parameters(), range(10)):
            p.data[...] = np.random.default_rng(seed).normal(size=p.shape) * 0.5
        opt = optim.Adam(model.parameters(), lr=0.05)

        def loss_fn(x, targets):
            return nn.cross_entropy(model(x), targets)

        if how == "compiled step":  # zero_grad, backward and step inside the compiled call
            step = tinygrad_lite.compile(loss_fn, optimizer=opt)
            losses = [step(Tensor(X), y).item() for _ in range(30)]
            return losses, [p.data.copy() for p in model.parameters()], grads_of(model.parameters())
        step = tinygrad_lite.compile(loss_fn) if how == "compiled loss" else loss_fn
        losses = []
        for _ in range(30):
            loss = step(Tensor(X), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, [p.data.copy() for p in model.parameters()], grads_of(model.parameters())

    eager, compiled = trained("eager"), trained(how)
    assert compiled[0] == eager[0]
    for a, b in zip(compiled[1] + compiled[2], eager[1] + eager[2]):
        assert_same(a, b)


def test_a_compiled_value_training_step_follows_eager_bit_for_bit():
    def trained(compiled: bool) -> tuple:
        net = nn.ValueMLP(4, 2, 4, bias=False)
        net.load_state_dict(tinygrad_lite.shift.initial_weights(4, 2, seed=1))
        opt = optim.Adam(net.parameters(), lr=0.05)

        def loss_fn(k):
            return nn.value_cross_entropy(net([1.0 if i == k else 0.0 for i in range(4)]), (k + 1) % 4)

        step = tinygrad_lite.compile(loss_fn, optimizer=opt)
        losses = []
        for t in range(20):
            if compiled:
                losses.append(step(t % 3).data)
                continue
            loss = loss_fn(t % 3)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.data)
        return losses, [(p.data, p.grad) for p in net.parameters()]

    assert trained(True) == trained(False)


def test_a_compiled_step_whose_input_is_computed_leaves_the_rest_to_the_engine():
    # x is made by an op from w, so the gradient must go on past x, into w: the engine does that.
    w = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    v = Tensor(np.array([1.0, 0.25, -0.5]), requires_grad=True)
    opt = optim.SGD([w, v], lr=0.1)
    step = tinygrad_lite.compile(lambda x: (x * v).tanh().sum(), optimizer=opt)
    for _ in range(3):
        step(w * 2.0)
    w_eager = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    v_eager = Tensor(np.array([1.0, 0.25, -0.5]), requires_grad=True)
    opt = optim.SGD([w_eager, v_eager], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        ((w_eager * 2.0) * v_eager).tanh().sum().backward()
        opt.step()
    assert_same(w.data, w_eager.data)
    assert_same(v.data, v_eager.data)


def test_calls_inside_no_grad_trace_and_check_the_graph_all_the_same():
    w = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    cfn = tinygrad_lite.compile(lambda x: (x * w).tanh().sum(), check="always")
    with no_grad():  # the first call traces, the second checks the graph: both record it
        assert not cfn(Tensor(np.ones(2))).requires_grad
        assert not cfn(Tensor(np.ones(2))).requires_grad
    assert cfn(Tensor(np.ones(2))).op == "compiled <lambda>"


def test_a_compiled_step_under_no_grad_fails_as_the_eager_step_does():
    w = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    step = tinygrad_lite.compile(lambda x: (x * w).sum(), optimizer=optim.SGD([w], lr=0.1))
    step(Tensor(np.ones(2)))
    with no_grad(), pytest.raises(RuntimeError, match="does not require grad"):
        step(Tensor(np.ones(2)))


def test_a_compiled_value_network_gives_eager_s_gradients_bit_for_bit():
    model = nn.ValueMLP(5, 2, 5, bias=True)
    data = [([1.0 if i == k else 0.0 for i in range(5)], (k + 1) % 5) for k in range(4)]

    def loss_fn():
        total = None
        for x, t in data:
            logits = model(x)
            loss = sum((z.exp() for z in logits[1:]), logits[0].exp()).log() - logits[t]
            total = loss if total is None else total + loss
        return total * (1.0 / len(data))

    cfn = tinygrad_lite.compile(loss_fn)
    for _ in range(3):
        for p in model.parameters():
            p.grad = 0.0
        eager = loss_fn()
        eager.backward()
        expected = [p.grad for p in model.parameters()]
        for p in model.parameters():
            p.grad = 0.0
        compiled = cfn()
        compiled.backward()
        assert compiled.data == eager.data
        assert [p.grad for p in model.parameters()] == expected
        for p in model.parameters():
            p.data -= 0.1 * p.grad
    assert "def backward" in cfn.source and cfn.last.program is not None


# ---- user-defined ops ------------------------------------------------------------------------


class Cube(Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return scale * x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ctx.scale * 3 * x**2, None


def test_a_value_program_gives_inf_and_nan_where_math_would_raise():
    # The program calls math.exp, math.log, ... and, where one raises, runs again with numerics'.
    x = Value(1.0)

    def fn(scale):
        terms = [(x * scale).exp(), (x - 1.0).log(), x / (x - 1.0), (x - 2.0).sqrt(), (x * 0.5).exp()]
        return sum(terms[1:], terms[0]), *terms

    cfn = tinygrad_lite.compile(fn)
    for x.data, scale in ((1.0, 1000.0), (1.0, 1.0), (3.0, 1.0)):  # inf, -inf and nan; then all finite
        x.grad = 0.0
        eager = fn(scale)
        eager[0].backward()
        eager_grad, x.grad = x.grad, 0.0
        compiled = cfn(scale)
        compiled[0].backward()
        # the same numbers, nan where nan (a nan's sign bit is left to the hardware)
        got, expected = [c.data for c in compiled] + [x.grad], [e.data for e in eager] + [eager_grad]
        np.testing.assert_array_equal(got, expected, strict=True)
        assert any(np.isinf(got)) == (x.data == 1.0)


@pytest.mark.parametrize("kind", ["tensor", "value"])
def test_a_function_subclass_compiles(kind):
    def fn(a, b):
        return (Cube.apply(a * b, 0.5) + a).sum() if kind == "tensor" else Cube.apply(a * b, 0.5) + a

    def inputs(call):
        if kind == "value":
            return [Value(0.3 + call), Value(-1.1)]
        return [
            Tensor(np.array([0.3, 1.2 + call]), requires_grad=True),
            Tensor(np.array([[-1.1], [0.4]]), True),
        ]

    cfn = run_both(fn, inputs)
    assert "Cube.forward" in cfn.source


def sine(x: Tensor) -> Tensor:
    data = x.data
    return op("sine", np.sin(data), (x,), lambda g: (g * np.cos(data),))


def test_an_op_without_a_rule_runs_eagerly_and_says_so():
    def fn(x):
        return sine(x * 2.0).sum()

    with pytest.warns(RuntimeWarning, match=r"runs eagerly: op 'sine' .* has no compile rule"):
        cfn = run_both(fn, lambda call: [Tensor(np.array([0.1, 0.7 + call]), requires_grad=True)])
    assert cfn.source.startswith("# fn is not compiled: op 'sine'")


# ---- signatures, retracing and the rule ------------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 5), (5,)])
def test_the_losses_compile_for_scores_of_any_rank(shape, reduction):
    rng = np.random.default_rng(4)
    w = Tensor(rng.normal(size=shape), requires_grad=True)
    y = rng.integers(0, 5, shape[:-1])
    for pick in (nn.cross_entropy, lambda s, t, reduction: nn.nll_loss(s.log_softmax(), t, reduction)):
        w.grad = None
        run_both(
            lambda x, pick=pick: _scalar_loss(pick(x * w, y, reduction=reduction), "tensor"),
            lambda call: [Tensor(np.full(shape, 1.0 + call), requires_grad=True)],
        )


def test_a_new_signature_traces_again_and_targets_are_inputs():
    w = Tensor(np.array([[0.5, -1.0, 0.25], [1.5, 0.1, -0.3]]), requires_grad=True)

    def fn(x, targets):
        return nn.cross_entropy(x @ w, targets)

    cfn = tinygrad_lite.compile(fn)
    for x, t in [
        (np.ones((4, 2)), np.array([0, 1, 2, 0])),
        (np.ones((4, 2)), np.array([2, 2, 1, 0])),  # new targets: a new program, not stale ones
        (np.ones((3, 2)), np.array([0, 1, 2])),  # new shape
        (np.ones((4, 2), dtype=np.float32), np.array([0, 1, 2, 0])),  # new dtype
    ]:
        w.zero_grad()
        expected = fn(Tensor(x), t)
        expected.backward()
        grad = w.grad.copy()
        w.zero_grad()
        loss = cfn(Tensor(x), t)
        loss.backward()
        assert_same(loss.data, expected.data)
        assert_same(w.grad, grad)
    assert len(cfn.entries) == 4


def test_control_flow_on_data_raises_instead_of_replaying_the_wrong_program():
    def fn(x):
        y = x * 2.0
        return y.tanh().sum() if y.data.sum() > 0 else y.exp().sum()

    cfn = tinygrad_lite.compile(fn)
    cfn(Tensor(np.array([1.0, 2.0]), requires_grad=True))
    with pytest.raises(GraphChangedError, match=r"built a different graph on call 2 .* control flow"):
        cfn(Tensor(np.array([-1.0, -2.0]), requires_grad=True))


def test_random_numbers_inside_fn_cannot_be_traced():
    rng = np.random.default_rng(0)

    def fn(x):
        return (x * Tensor(rng.normal(size=2))).sum()

    with pytest.raises(TraceError, match="constant input that holds different numbers"):
        tinygrad_lite.compile(fn)(Tensor(np.ones(2), requires_grad=True))


# ---- the result is an ordinary node ---------------------------------------------------------


def test_the_result_works_like_an_eager_graph():
    w = Tensor(np.array([0.5, -2.0]), requires_grad=True)
    cfn = tinygrad_lite.compile(lambda x: (x * w).tanh().sum())
    first, second = cfn(Tensor(np.array([1.0, 2.0]))), cfn(Tensor(np.array([3.0, -1.0])))
    second.backward()
    first.backward()  # an earlier call's result still holds its own arrays
    first.backward()  # twice: gradients accumulate
    eager = [(Tensor(np.array(x)) * w).tanh().sum() for x in ([1.0, 2.0], [3.0, -1.0], [1.0, 2.0])]
    w_grad = w.grad.copy()
    w.zero_grad()
    for loss in eager:
        loss.backward()
    assert_same(w_grad, w.grad)
    assert [n.op for n in iter_graph(first)] == ["compiled <lambda>", ""]
    with no_grad():
        assert not cfn(Tensor(np.array([1.0, 2.0]))).requires_grad


def test_extra_outputs_come_back_as_leaves_with_the_eager_numbers():
    w = Tensor(np.array([[0.5, -1.0], [0.25, 2.0]]), requires_grad=True)

    def fn(x):
        logits = x @ w
        per_row = logits.tanh().sum(axis=1)
        return per_row.sum(), per_row, logits

    x = Tensor(np.array([[1.0, 2.0], [-0.5, 0.3], [0.0, 1.5]]))
    cfn = tinygrad_lite.compile(fn)
    for _ in range(3):
        loss, per_row, logits = cfn(x)
        eager = fn(x)
        for got, expected in zip((loss, per_row, logits), eager):
            assert_same(got.data, expected.data)
        assert not per_row.requires_grad and not logits.requires_grad


def test_detect_anomaly_checks_every_op_of_a_compiled_function():
    cfn = tinygrad_lite.compile(lambda x: (x * 0.0).log().sum())
    x = Tensor(np.array([1.0]), requires_grad=True)
    with np.errstate(divide="ignore"):
        cfn(x)
    with np.errstate(divide="ignore"), detect_anomaly(), pytest.raises(AnomalyError, match="'log'"):
        cfn(x)


BAD_INPUT = [
    ("compile-not-callable", lambda: tinygrad_lite.compile(3), TypeError,
     r"^compile: expects a function that returns a loss, got int"),
    ("compile-check", lambda: tinygrad_lite.compile(len, check="sometimes"), ValueError, r"^compile: check"),
    ("compile-optimizer", lambda: tinygrad_lite.compile(len, optimizer=[1.0]), TypeError,
     r"^compile: optimizer must have step\(\) and zero_grad\(\) \(an optim.Adam, say\), got list"),
    ("compile-no-node", lambda: tinygrad_lite.compile(lambda: 3.0)(), TypeError,
     r"^compile: fn must return a Tensor or a Value \(a loss\), or a tuple .* got float"),
    ("compile-source-first", lambda: tinygrad_lite.compile(len).source, RuntimeError,
     r"^compile: len has not been called yet"),
]  # fmt: skip


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
