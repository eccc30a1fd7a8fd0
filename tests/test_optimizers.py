"""SGD, momentum and Adam (docs/optimizers.md), each against an independent restatement."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnmath import SGD, Adam, mlp, one_hot, train_step
from tests.support import (
    COL3,
    INF,
    NAN,
    args,
    arr,
    bad_input_test,
    ones,
    read_only,
    zeros,
)

SEEDS = [0, 1, 2]
SHAPE_SETS = [
    [(3, 4), (4,), (4, 2), (2,)],  # a two-layer network: W1, b1, W2, b2
    [(5,)],
    [(2, 3), (1,), (6, 1), (3,), (2, 2)],
]


def _random_params(rng, shapes):
    return [rng.normal(size=s) for s in shapes]


def _gradient_of(params, targets, scales, rng):
    """Gradients of a separable quadratic plus noise: scales differ per array, so the
    trajectory depends on the parameter values and Adam's per-coordinate scaling matters."""
    return [
        s * (p - t) + 0.1 * rng.normal(size=p.shape)
        for p, t, s in zip(params, targets, scales)
    ]


def _same_noise(rng, params, reference, targets, scales):
    """The gradients at ``params`` and at ``reference``, with the same noise drawn for both."""
    seed = int(rng.integers(2**32))
    return tuple(
        _gradient_of(at, targets, scales, np.random.default_rng(seed))
        for at in (params, reference)
    )


# ---------------------------------------------------------------- SGD


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shapes", SHAPE_SETS)
@pytest.mark.parametrize("lr", [1e-3, 0.1, 2.0])
@pytest.mark.verifies("sgd", by="exact")
def test_sgd_step_is_theta_minus_lr_times_grad_exactly(shapes, lr, seed, measured):
    rng = np.random.default_rng(seed)
    params = _random_params(rng, shapes)
    grads = _random_params(rng, shapes)
    expected = [p - lr * g for p, g in zip(params, grads)]
    ids = [id(p) for p in params]
    SGD(learning_rate=lr).step(params, grads)
    assert [id(p) for p in params] == ids  # updated in place, not rebound
    for p, e in zip(params, expected):
        measured(np.abs(p - e).max())
        assert np.array_equal(p, e)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("mu", [0.0, 0.5, 0.9])
@pytest.mark.verifies("momentum", by="exact")
def test_momentum_matches_an_independent_loop(mu, seed, measured):
    rng = np.random.default_rng(seed)
    shapes = SHAPE_SETS[0]
    lr = 0.05
    params = _random_params(rng, shapes)
    reference = [p.copy() for p in params]
    velocity = [np.zeros(s) for s in shapes]
    targets = _random_params(rng, shapes)
    scales = [1.0, 3.0, 0.5, 2.0]
    opt = SGD(learning_rate=lr, momentum=mu)
    for _ in range(50):
        grads, ref_grads = _same_noise(rng, params, reference, targets, scales)
        opt.step(params, grads)
        for k in range(
            len(shapes)
        ):  # v_t = mu v_{t-1} + g_t, theta_t = theta_{t-1} - lr v_t
            velocity[k] = mu * velocity[k] + ref_grads[k]
            reference[k] = reference[k] - lr * velocity[k]
    for p, r in zip(params, reference):
        measured(np.abs(p - r).max())
        np.testing.assert_allclose(p, r, rtol=1e-12, atol=1e-12)


def test_momentum_step_tends_to_one_over_one_minus_mu():
    mu, lr = 0.9, 0.01
    theta, opt = np.zeros(1), SGD(lr, momentum=mu)
    for t in range(1, 201):
        before = theta[0]
        opt.step([theta], [np.ones(1)])
        assert math.isclose(
            (before - theta[0]) / lr, (1 - mu**t) / (1 - mu), rel_tol=1e-9
        )


# ---------------------------------------------------------------- Adam


class _KingmaBa:
    """Algorithm 1 of Kingma and Ba (2015), written out element by element for one array."""

    def __init__(self, alpha, beta1, beta2, eps, shape):
        self.alpha, self.beta1, self.beta2, self.eps = alpha, beta1, beta2, eps
        self.m = [0.0] * math.prod(shape)
        self.v = [0.0] * math.prod(shape)
        self.t = 0

    def update(self, theta, g):
        self.t += 1
        flat_theta, flat_g = theta.ravel(), g.ravel()
        out = np.empty_like(flat_theta)
        for i, (th, gi) in enumerate(zip(flat_theta.tolist(), flat_g.tolist())):
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * gi
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * gi * gi
            m_hat = self.m[i] / (1 - self.beta1**self.t)
            v_hat = self.v[i] / (1 - self.beta2**self.t)
            out[i] = th - self.alpha * m_hat / (math.sqrt(v_hat) + self.eps)
        return out.reshape(theta.shape)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shapes", SHAPE_SETS)
@pytest.mark.parametrize(
    "hyper",
    [
        {},  # the defaults: 0.001, 0.9, 0.999, 1e-8
        {"learning_rate": 0.05, "beta1": 0.5, "beta2": 0.99, "epsilon": 1e-6},
        {"learning_rate": 0.01, "beta1": 0.0, "beta2": 0.0},
    ],
)
@pytest.mark.verifies("adam", by="exact")
def test_adam_matches_kingma_ba_algorithm_1(shapes, hyper, seed, measured):
    rng = np.random.default_rng(seed)
    opt = Adam(**hyper)
    params = _random_params(rng, shapes)
    references = [p.copy() for p in params]
    algos = [
        _KingmaBa(opt.learning_rate, opt.beta1, opt.beta2, opt.epsilon, s)
        for s in shapes
    ]
    targets = _random_params(rng, shapes)
    scales = list(np.geomspace(1e-2, 1e2, len(shapes)))
    for _ in range(120):
        grads, ref_grads = _same_noise(rng, params, references, targets, scales)
        opt.step(params, grads)
        references = [a.update(r, g) for a, r, g in zip(algos, references, ref_grads)]
    assert opt.t == 120
    for p, r in zip(params, references):
        measured(np.abs(p - r).max())
        np.testing.assert_allclose(p, r, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("k", [1, 2, 4, 7])
def test_adam_time_step_advances_once_per_step_whatever_the_parameter_count(k):
    rng = np.random.default_rng(k)
    params = [rng.normal(size=(3,)) for _ in range(k)]
    lone = [p.copy() for p in params]
    opt = Adam(learning_rate=0.01)
    lone_opts = [Adam(learning_rate=0.01) for _ in range(k)]
    for step in range(1, 26):
        grads = [rng.normal(size=(3,)) for _ in range(k)]
        opt.step(params, grads)
        for o, p, g in zip(lone_opts, lone, grads):
            o.step([p], [g])
        assert opt.t == step
    # each parameter evolves exactly as if it were optimized alone: no cross-talk through t
    for p, q in zip(params, lone):
        np.testing.assert_allclose(p, q, rtol=1e-14, atol=0)


def test_adam_first_step_is_learning_rate_in_every_coordinate():
    theta = np.zeros(4)
    opt = Adam(learning_rate=0.01)
    opt.step([theta], [np.array([1e3, 1.0, -1e-2, -1e-4])])
    np.testing.assert_allclose(np.abs(theta), 0.01, rtol=1e-3)
    assert np.all(np.sign(theta) == [-1, -1, 1, 1])


@pytest.mark.parametrize(
    "optimizer", [lambda: Adam(0.01), lambda: SGD(0.1), lambda: SGD(0.1, momentum=0.9)]
)
def test_biases_are_updated(optimizer):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(12, 4)), one_hot(rng.integers(0, 3, size=12), 3)
    model = mlp([4, 6, 3], "relu", rng)
    biases = [layer.bias for layer in model.layers]
    before = [b.copy() for b in biases]
    opt = optimizer()
    train_step(model, opt, X, Y)
    grads = model.gradients()
    for b, b0, db in zip(biases, before, grads[1::2]):
        assert np.any(db != 0)
        changed = b != b0
        assert np.array_equal(
            changed, db != 0
        )  # every bias entry with a gradient moved


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "make", [lambda: SGD(0.1), lambda: Adam()], ids=["SGD", "Adam"]
)
@pytest.mark.parametrize("bad", [NAN, INF])
def test_a_refused_step_changes_nothing(make, bad):
    """The checks run before any update: a refused step leaves every parameter as it was."""
    params = [np.ones(2), np.ones(3)]
    with pytest.raises(ValueError, match=r"grads\[1\] contains NaN or inf"):
        make().step(params, [np.ones(2), np.array([1.0, bad, 1.0])])
    assert all(np.array_equal(p, np.ones_like(p)) for p in params)


# --- state belongs to parameter arrays, not to shapes (issue 9) -----------------------


@pytest.mark.parametrize(
    "make", [lambda: SGD(0.1, momentum=0.9), lambda: Adam(), lambda: SGD(0.1)]
)
def test_state_is_not_carried_over_to_another_array_of_the_same_shape(make):
    opt, g = make(), np.ones(3)
    w1, w2 = np.zeros(3), np.zeros(3)
    opt.step([w1], [g])
    with pytest.raises(ValueError, match=r"params\[0\] is not the array"):
        opt.step([w2], [g])
    np.testing.assert_array_equal(w2, 0.0)  # refused before any change


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Adam()])
def test_one_array_listed_twice_is_refused(make):
    w = np.zeros(3)
    with pytest.raises(
        ValueError, match=r"params\[1\] and params\[0\] are the same array"
    ):
        make().step([w, w], [np.ones(3), np.ones(3)])
    with pytest.raises(ValueError, match="views of one"):
        make().step([w[:2], w[1:]], [np.ones(2), np.ones(2)])
    np.testing.assert_array_equal(w, 0.0)


def test_adam_refuses_a_gradient_whose_square_overflows():
    w = np.zeros(2)
    with pytest.raises(ValueError, match=r"square overflows float64.*exploded"):
        Adam().step([w], [np.array([1e155, 1.0])])
    np.testing.assert_array_equal(w, 0.0)
    Adam().step([w], [np.array([1e150, 1.0])])  # below the limit: a normal step
    assert np.all(np.isfinite(w)) and w[0] < 0


# ---- bad input: one row a case (tests/support.py) -------------------------------------


def step_rows(make, prefix=""):
    """What ``step`` refuses, for an optimizer made by ``make()`` (ids start with ``prefix``)."""

    def step(params, grads, optimizer=make):
        return lambda: optimizer().step(params, grads)

    def stepped():
        optimizer = make()
        optimizer.step([zeros(3)], [ones(3)])
        return optimizer

    f16 = np.float16
    # fmt: off
    rows = [
        ("2 params, 1 grad", step([zeros(3), zeros(2)], [ones(3)]), r"^params and grads\b.*2.*1"),
        ("(3,) vs (3, 1)", step([zeros(3)], [ones(3, 1)]), r"params\[0\]\.shape=\(3,\).*\(3, 1\)"),
        ("2nd shape", step([zeros(2), zeros(3)], [ones(2), COL3]), r"params\[1\]\.shape=\(3,\)"),
        ("NaN", step([zeros(3)], [arr(0, NAN, 1)]), r"^grads\[0\] .*NaN or inf.*params\[0\]"),
        ("inf, 2nd", step([zeros(2), zeros(1)], [ones(2), arr(INF)]), r"^grads\[1\] .*NaN or inf"),
        ("-inf", step([zeros(3)], [arr(0.5, -INF, 0.25)]), r"^grads\[0\] .*NaN or inf"),
        ("a bare array", step(zeros(3), ones(3)), r"^params\b.*list.*ndarray", TypeError),
        ("integer param", step([np.zeros(3, int)], [ones(3)]), r"^params\[0\].*float", TypeError),
        ("list param", step([[0.0, 0.0]], [ones(2)]), r"^params\[0\].*float.*list", TypeError),
        ("float16 param", step([np.zeros(2, f16)], [np.ones(2, f16)]), r"float16", TypeError),
        ("complex", step([zeros(2)], [arr(1j, 0)]), r"^grads\[0\] .*real.*complex", TypeError),
        ("reshaped", step([zeros(4)], [ones(4)], stepped), r"\[\(3,\)\].*\[\(4,\)\].*one optim"),
    ]
    # fmt: on
    return [(prefix + what, *rest) for what, *rest in rows]


def read_only_second(optimizer):
    return lambda: optimizer.step([ones(2), read_only(2)], [ones(2)] * 2)


# fmt: off
BAD_INPUT = {
    "SGD": [
        ("read-only parameter", read_only_second(SGD(0.1)), r"^params\[1\] is read-only"),
        ("learning rate 0", args(0), r"^learning_rate\b.*> 0.*0\.0"),
        ("learning rate 0.0", args(0.0), r"^learning_rate\b.*> 0.*0\.0"),
        ("learning rate -0.1", args(-0.1), r"^learning_rate\b.*> 0.*-0\.1"),
        ("learning rate -1e-3", args(-1e-3), r"^learning_rate\b.*> 0.*-0\.001"),
        ("learning rate NaN", args(NAN), r"^learning_rate\b.*finite.*nan"),
        ("learning rate a string", args("0.1"), r"^learning_rate\b.*real number.*str", TypeError),
        ("momentum 1", args(0.1, momentum=1.0), r"^momentum\b.*\[0, 1\).*1\.0"),
        ("momentum -0.5", args(0.1, momentum=-0.5), r"^momentum\b.*\[0, 1\).*-0\.5"),
    ],
    "SGD.step": step_rows(lambda: SGD(0.1, momentum=0.9)) + step_rows(lambda: SGD(0.1), "mu 0: "),
    "Adam": [
        ("read-only parameter", read_only_second(Adam()), r"^params\[1\] is read-only"),
        ("learning rate 0", args(learning_rate=0), r"^learning_rate\b.*> 0.*0\.0"),
        ("learning rate -1e-3", args(learning_rate=-1e-3), r"^learning_rate\b.*> 0.*-0\.001"),
        ("learning rate '0.1'", args(learning_rate="0.1"), r"^learning_rate\b.*str", TypeError),
        ("learning rate None", args(learning_rate=None), r"^learning_rate\b.*NoneType", TypeError),
        ("learning rate True", args(learning_rate=True), r"^learning_rate\b.*bool", TypeError),
        ("beta1 1", args(beta1=1.0), r"^beta1\b.*\[0, 1\).*1\.0"),
        ("beta1 1.5", args(beta1=1.5), r"^beta1\b.*\[0, 1\).*1\.5"),
        ("beta1 -0.1", args(beta1=-0.1), r"^beta1\b.*\[0, 1\).*-0\.1"),
        ("beta1 True", args(beta1=True), r"^beta1\b.*real number.*bool", TypeError),
        ("beta2 1", args(beta2=1.0), r"^beta2\b.*\[0, 1\).*1\.0"),
        ("beta2 1.5", args(beta2=1.5), r"^beta2\b.*\[0, 1\).*1\.5"),
        ("beta2 -0.1", args(beta2=-0.1), r"^beta2\b.*\[0, 1\).*-0\.1"),
        ("epsilon 0", args(epsilon=0.0), r"^epsilon\b.*> 0.*0\.0"),
        ("epsilon -1e-8", args(epsilon=-1e-8), r"^epsilon\b.*> 0.*-1e-08"),
    ],
    "Adam.step": step_rows(Adam),
}
# fmt: on
test_bad_input = bad_input_test(BAD_INPUT)
