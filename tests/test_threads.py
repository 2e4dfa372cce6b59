"""Grad mode is per thread: one thread trains while another runs inference inside no_grad."""

from __future__ import annotations

import threading

import numpy as np

from tinygrad_lite import Tensor, is_grad_enabled, nn, no_grad, optim

STEPS = 200


def train(model: nn.MLP, x: Tensor, y: np.ndarray, steps: int, between_steps=lambda: None) -> list[float]:
    opt = optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(steps):
        between_steps()
        loss = nn.cross_entropy(model(x), y)
        assert loss.requires_grad and loss.parents, "the training thread lost its graph"
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_training_in_one_thread_while_another_infers_under_no_grad():
    x = Tensor(np.eye(6, dtype=np.float32)[:5])
    y = np.arange(1, 6)
    alone = train(nn.MLP(6, 3, 6, rng=0), x, y, STEPS)  # the reference: no other thread

    frozen = nn.MLP(6, 3, 6, rng=1)
    with no_grad():
        expected = frozen(x).data.copy()
    # Both threads meet at the barrier before every step, so inference (always inside
    # no_grad) and training (never) take turns step by step for the whole run.
    barrier = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []
    seen = {"grad modes": set(), "outputs with a graph": 0}

    def infer() -> None:
        try:
            with no_grad():
                for _ in range(STEPS):
                    barrier.wait()
                    seen["grad modes"].add(is_grad_enabled())
                    out = frozen(x)
                    seen["outputs with a graph"] += out.requires_grad or bool(out.parents)
                    np.testing.assert_array_equal(out.data, expected)
        except BaseException as error:
            errors.append(error)
            barrier.abort()

    worker = threading.Thread(target=infer)
    worker.start()
    try:
        together = train(nn.MLP(6, 3, 6, rng=0), x, y, STEPS, between_steps=barrier.wait)
    finally:
        worker.join(timeout=30)
    assert not errors, errors
    assert seen == {"grad modes": {False}, "outputs with a graph": 0}
    assert together == alone  # bit for bit: the other thread's no_grad changed nothing here
    assert is_grad_enabled()


def test_concurrent_backward_into_one_shared_parameter_loses_nothing():
    # 8 threads each add (i + 1) into one 10^6-element grad: 36 everywhere, every time (issue 14, item 9).
    for _ in range(10):
        shared = Tensor(np.zeros(10**6), requires_grad=True)
        losses = [(shared * float(i + 1)).sum() for i in range(8)]
        threads = [threading.Thread(target=loss.backward) for loss in losses]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert (shared.grad == 36.0).all()
