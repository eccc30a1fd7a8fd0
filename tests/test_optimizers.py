"""SGD, momentum and Adam (docs/optimizers.md), each against an independent restatement."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnmath import SGD, Adam, mlp, one_hot, train_step

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


# ---------------------------------------------------------------- SGD


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shapes", SHAPE_SETS)
@pytest.mark.parametrize("lr", [1e-3, 0.1, 2.0])
def test_sgd_step_is_theta_minus_lr_times_grad_exactly(shapes, lr, seed):
    rng = np.random.default_rng(seed)
    params = _random_params(rng, shapes)
    grads = _random_params(rng, shapes)
    expected = [p - lr * g for p, g in zip(params, grads)]
    ids = [id(p) for p in params]
    SGD(learning_rate=lr).step(params, grads)
    assert [id(p) for p in params] == ids  # updated in place, not rebound
    for p, e in zip(params, expected):
        assert np.array_equal(p, e)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("mu", [0.0, 0.5, 0.9])
def test_momentum_matches_an_independent_loop(mu, seed):
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
        noise_seed = int(rng.integers(2**32))
        grads = _gradient_of(params, targets, scales, np.random.default_rng(noise_seed))
        ref_grads = _gradient_of(
            reference, targets, scales, np.random.default_rng(noise_seed)
        )
        opt.step(params, grads)
        for k in range(
            len(shapes)
        ):  # v_t = mu v_{t-1} + g_t, theta_t = theta_{t-1} - lr v_t
            velocity[k] = mu * velocity[k] + ref_grads[k]
            reference[k] = reference[k] - lr * velocity[k]
    for p, r in zip(params, reference):
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
def test_adam_matches_kingma_ba_algorithm_1(shapes, hyper, seed):
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
        noise_seed = int(rng.integers(2**32))
        grads = _gradient_of(params, targets, scales, np.random.default_rng(noise_seed))
        ref_grads = _gradient_of(
            references, targets, scales, np.random.default_rng(noise_seed)
        )
        opt.step(params, grads)
        references = [a.update(r, g) for a, r, g in zip(algos, references, ref_grads)]
    assert opt.t == 120
    for p, r in zip(params, references):
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


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Adam()])
def test_mismatched_list_lengths_raise(make):
    with pytest.raises(ValueError, match="2 parameters but 1 gradients"):
        make().step([np.zeros(2), np.zeros(3)], [np.zeros(2)])


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Adam()])
def test_mismatched_shapes_raise_naming_both(make):
    with pytest.raises(
        ValueError, match=r"params\[1\]\.shape=\(3,\) but grads\[1\]\.shape=\(3, 1\)"
    ):
        make().step([np.zeros(2), np.zeros(3)], [np.zeros(2), np.zeros((3, 1))])


@pytest.mark.parametrize("make", [lambda: SGD(0.1, momentum=0.5), lambda: Adam()])
def test_changing_parameter_shapes_between_steps_raises(make):
    opt = make()
    opt.step([np.zeros(2)], [np.ones(2)])
    with pytest.raises(ValueError, match="one optimizer per list"):
        opt.step([np.zeros(3)], [np.ones(3)])


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Adam()])
def test_non_float_parameters_raise_type_error(make):
    with pytest.raises(TypeError, match="float numpy array"):
        make().step([[1.0, 2.0]], [np.ones(2)])
    with pytest.raises(TypeError, match="float numpy array"):
        make().step([np.array([1, 2])], [np.ones(2)])


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Adam()])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_gradients_raise_and_leave_params_alone(make, bad):
    p = np.ones(3)
    with pytest.raises(ValueError, match="NaN or inf"):
        make().step([p], [np.array([0.0, bad, 0.0])])
    assert np.array_equal(p, np.ones(3))


@pytest.mark.parametrize("lr", [0, 0.0, -1e-3])
def test_non_positive_learning_rate_raises(lr):
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        SGD(lr)
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        Adam(learning_rate=lr)


@pytest.mark.parametrize("beta", [1.0, 1.5, -0.1])
@pytest.mark.parametrize("name", ["beta1", "beta2"])
def test_beta_outside_unit_interval_raises(name, beta):
    with pytest.raises(ValueError, match=rf"{name} must be in \[0, 1\)"):
        Adam(**{name: beta})


@pytest.mark.parametrize("mu", [1.0, -0.5])
def test_momentum_outside_unit_interval_raises(mu):
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        SGD(0.1, momentum=mu)


@pytest.mark.parametrize("eps", [0.0, -1e-8])
def test_non_positive_epsilon_raises(eps):
    with pytest.raises(ValueError, match="epsilon must be > 0"):
        Adam(epsilon=eps)


@pytest.mark.parametrize("bad", ["0.1", None, True])
def test_non_numeric_hyper_parameters_raise_type_error(bad):
    with pytest.raises(TypeError, match="learning_rate must be a real number"):
        Adam(learning_rate=bad)


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


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Adam()])
def test_float16_parameters_are_refused(make):
    with pytest.raises(TypeError, match="float32 or float64"):
        make().step([np.zeros(2, np.float16)], [np.ones(2, np.float16)])
