"""Cross-checks against PyTorch autograd and ``torch.optim``, all in float64.

Finite differences (``nnmath.check_gradient``) prove that a gradient matches *our own*
function. They cannot catch a function that is consistently wrong: a loss averaged over
the wrong axis, a bias gradient averaged instead of summed, an optimizer that drifts
over hundreds of steps. PyTorch is an independent implementation that readers will move
on to, so every value, every gradient and every optimizer trajectory is compared with it
element-wise.

torch is an optional extra (``pip install -e ".[crosscheck]"``). Without it this module
is skipped with a reason, except when the environment variable ``CI`` is set: there a
missing torch is an error, so a CI run can never pass with the cross-checks skipped.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import nnmath

_REASON = 'the PyTorch cross-checks need torch: pip install -e ".[crosscheck]" (torch==2.13.0 CPU)'

if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
    try:
        import torch
    except ImportError:  # pragma: no cover - only reached in a broken CI environment
        pytest.fail(f"CI is set but torch is not installed; {_REASON}", pytrace=False)
else:
    torch = pytest.importorskip("torch", reason=_REASON)

import torch.nn.functional as F  # noqa: E402

SEEDS = [0, 1, 2]
SHAPES = [(7,), (4, 5), (3, 2, 6)]

# float64 on both sides: the only differences left are rounding in a different order.
VALUE_TOL = dict(rtol=1e-12, atol=1e-15)
GRAD_TOL = dict(rtol=1e-10, atol=1e-13)


def t(a, requires_grad=False):
    """A float64 torch tensor holding a copy of ``a``."""
    return torch.tensor(
        np.asarray(a, dtype=np.float64),
        dtype=torch.float64,
        requires_grad=requires_grad,
    )


def n(x):
    """A NumPy copy of a tensor (detached)."""
    return x.detach().numpy().copy()


def agree(measured, actual, expected, **tolerance):
    """``assert_allclose``, recording the largest difference for the equation's line."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected)
    same = actual == expected  # equal infinities differ by 0, not NaN
    measured(np.max(np.where(same, 0.0, np.abs(actual - expected)), initial=0.0))
    np.testing.assert_allclose(actual, expected, **tolerance)


def agree_relative(measured, actual, expected, **tolerance):
    """``assert_allclose``, recording the largest difference relative to the size of
    ``expected``, ``max |actual - expected| / max |expected|``: the same number for
    values of any scale (an optimizer's state, parameters far from 1)."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected)
    measured(np.max(np.abs(actual - expected)) / np.max(np.abs(expected)))
    np.testing.assert_allclose(actual, expected, **tolerance)


def vjp(fn, x, upstream):
    """Gradient of ``sum(upstream * fn(x))`` with respect to ``x``, by torch autograd."""
    xt = t(x, requires_grad=True)
    (fn(xt) * t(upstream)).sum().backward()
    return n(xt.grad)


# --------------------------------------------------------------------------------------
# activations
# --------------------------------------------------------------------------------------

ACTIVATIONS = {
    "sigmoid": (nnmath.sigmoid, nnmath.sigmoid_derivative, torch.sigmoid),
    "relu": (nnmath.relu, nnmath.relu_derivative, torch.relu),
    "tanh": (nnmath.tanh, nnmath.tanh_derivative, torch.tanh),
}


def _activation_points(rng, shape):
    """Random points at several scales, with exact zeros (ReLU's kink) and large values."""
    x = rng.normal(size=shape) * rng.choice([0.1, 1.0, 10.0], size=shape)
    flat = x.reshape(-1)
    flat[:3] = [0.0, -0.0, 0.0]  # the convention at the kink is compared too
    flat[3:5] = [-750.0, 750.0]  # beyond exp's float64 range
    return x


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("relu", marks=pytest.mark.verifies("relu", by="PyTorch")),
        pytest.param(
            "sigmoid",
            marks=pytest.mark.verifies(
                "sigmoid", "sigmoid-stable", "sigmoid-derivative", by="PyTorch"
            ),
        ),
        pytest.param("tanh", marks=pytest.mark.verifies("tanh", by="PyTorch")),
    ],
)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_activation_value_and_derivative_match_torch(name, shape, seed, measured):
    f, f_prime, torch_f = ACTIVATIONS[name]
    rng = np.random.default_rng(seed)
    x = _activation_points(rng, shape)
    upstream = rng.normal(size=shape)  # random, so a wrong element cannot hide in a sum

    agree(measured, f(x), n(torch_f(t(x))), **VALUE_TOL)
    # autograd's derivative at exactly 0 is also what torch documents for ReLU: 0
    agree(measured, upstream * f_prime(x), vjp(torch_f, x, upstream), **GRAD_TOL)


@pytest.mark.verifies("relu", by="PyTorch")
def test_relu_derivative_at_zero_is_torchs_convention(measured):
    x = np.zeros(4)
    torch_derivative = vjp(torch.relu, x, np.ones(4))
    agree(measured, nnmath.relu_derivative(x), torch_derivative, rtol=0)
    assert np.array_equal(nnmath.relu_derivative(x), torch_derivative)
    assert np.array_equal(nnmath.relu_derivative(x), np.zeros(4))


# --------------------------------------------------------------------------------------
# softmax
# --------------------------------------------------------------------------------------


def _logits(rng, shape, scale):
    return rng.normal(size=shape) * scale


@pytest.mark.verifies("softmax", "softmax-jacobian", by="PyTorch")
@pytest.mark.parametrize("shape", [(6,), (5, 4), (1, 9)])
@pytest.mark.parametrize("scale", [1.0, 30.0, 1000.0])
@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_and_its_backward_match_torch(shape, scale, seed, measured):
    rng = np.random.default_rng(seed)
    z = _logits(rng, shape, scale) + rng.choice(
        [-1000.0, 0.0, 1000.0]
    )  # a shift that overflows exp
    upstream = rng.normal(size=shape)

    agree(measured, nnmath.softmax(z), n(torch.softmax(t(z), dim=-1)), **VALUE_TOL)
    expected = vjp(lambda v: torch.softmax(v, dim=-1), z, upstream)
    agree(measured, nnmath.softmax_backward(z, upstream), expected, **GRAD_TOL)


@pytest.mark.verifies("softmax", by="PyTorch")
@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_along_axis_0_matches_torch(seed, measured):
    z = np.random.default_rng(seed).normal(size=(5, 3)) * 10
    agree(
        measured, nnmath.softmax(z, axis=0), n(torch.softmax(t(z), dim=0)), **VALUE_TOL
    )


@pytest.mark.verifies("softmax-jacobian", by="PyTorch")
@pytest.mark.parametrize("shape", [(5,), (3, 4)])
@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_jacobian_matches_torch(shape, seed, measured):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=shape) * 3
    J = nnmath.softmax_jacobian(z)
    if z.ndim == 1:
        expected = n(
            torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=-1), t(z))
        )
    else:  # one Jacobian per row
        expected = np.stack(
            [
                n(
                    torch.autograd.functional.jacobian(
                        lambda v: torch.softmax(v, dim=-1), t(row)
                    )
                )
                for row in z
            ]
        )
    agree(measured, J, expected, **GRAD_TOL)
    # the Jacobian-vector product with a random vector, batched
    g = rng.normal(size=shape)
    agree(
        measured,
        np.einsum("...ij,...j->...i", J, g),
        nnmath.softmax_backward(z, g),
        **GRAD_TOL,
    )


@pytest.mark.verifies("log-softmax", by="PyTorch")
@pytest.mark.parametrize("shape", [(6,), (5, 4)])
@pytest.mark.parametrize("scale", [1.0, 1000.0])
@pytest.mark.parametrize("seed", SEEDS)
def test_log_softmax_matches_torch(shape, scale, seed, measured):
    z = _logits(np.random.default_rng(seed), shape, scale)
    agree(
        measured, nnmath.log_softmax(z), n(torch.log_softmax(t(z), dim=-1)), **VALUE_TOL
    )


# --------------------------------------------------------------------------------------
# losses
# --------------------------------------------------------------------------------------


@pytest.mark.verifies("mse", by="PyTorch")
@pytest.mark.parametrize("shape", [(7,), (4, 3), (5, 1), (2, 3, 4)])
@pytest.mark.parametrize("seed", SEEDS)
def test_mse_and_gradient_match_torch(shape, seed, measured):
    """torch's mse_loss (reduction='mean') averages over every element, as nnmath.mse does."""
    rng = np.random.default_rng(seed)
    y_pred, y_true = rng.normal(size=shape), rng.normal(size=shape)
    pred = t(y_pred, requires_grad=True)
    loss = F.mse_loss(pred, t(y_true), reduction="mean")
    loss.backward()
    agree(measured, nnmath.mse(y_pred, y_true), loss.item(), **VALUE_TOL)
    agree(measured, nnmath.mse_gradient(y_pred, y_true), n(pred.grad), **GRAD_TOL)


def _targets(rng, shape, kind):
    """One-hot rows (and their class indices) or soft rows, each row summing to 1."""
    classes = shape[-1]
    labels = rng.integers(0, classes, size=shape[:-1])
    if kind == "one-hot":
        return np.eye(classes)[labels], labels
    soft = rng.dirichlet(np.ones(classes), size=shape[:-1])
    return soft, None


def _probabilities(rng, shape):
    return nnmath.softmax(rng.normal(size=shape) * 2)


@pytest.mark.verifies("cross-entropy", by="PyTorch")
@pytest.mark.parametrize("shape", [(5,), (6, 4), (1, 3)])
@pytest.mark.parametrize("kind", ["one-hot", "soft"])
@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_and_gradient_match_torch(shape, kind, seed, measured):
    rng = np.random.default_rng(seed)
    y_pred = _probabilities(rng, shape)
    y_true, labels = _targets(rng, shape, kind)

    # torch reference: nll_loss of log-probabilities for class labels; for soft targets
    # KL(y || p) + H(y), which equals -sum y log p and differs from it by a constant in p.
    p = t(y_pred[None] if y_pred.ndim == 1 else y_pred, requires_grad=True)
    y = t(y_true[None] if y_true.ndim == 1 else y_true)
    if kind == "one-hot":
        lab = torch.as_tensor(np.atleast_1d(labels))
        loss = F.nll_loss(torch.log(p), lab, reduction="mean")
    else:
        entropy = -torch.special.xlogy(y, y).sum() / y.shape[0]
        loss = F.kl_div(torch.log(p), y, reduction="batchmean") + entropy
    loss.backward()
    expected_grad = n(p.grad).reshape(shape)

    agree(measured, nnmath.cross_entropy(y_pred, y_true), loss.item(), **VALUE_TOL)
    agree(
        measured,
        nnmath.cross_entropy_gradient(y_pred, y_true),
        expected_grad,
        **GRAD_TOL,
    )


@pytest.mark.verifies(
    "softmax-cross-entropy", "softmax-cross-entropy-gradient", by="PyTorch"
)
@pytest.mark.parametrize("shape", [(5,), (8, 4), (1, 3)])
@pytest.mark.parametrize("kind", ["one-hot", "soft"])
@pytest.mark.parametrize("scale", [1.0, 50.0, 1000.0])
@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_cross_entropy_and_gradient_match_torch(
    shape, kind, scale, seed, measured
):
    """F.cross_entropy takes logits and class indices or class probabilities, mean over rows."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=shape) * scale
    y_true, labels = _targets(rng, shape, kind)
    target = torch.as_tensor(labels) if kind == "one-hot" else t(y_true)
    z = t(logits, requires_grad=True)
    loss = F.cross_entropy(z, target, reduction="mean")
    loss.backward()

    agree(
        measured, nnmath.softmax_cross_entropy(logits, y_true), loss.item(), **VALUE_TOL
    )
    agree(
        measured,
        nnmath.softmax_cross_entropy_gradient(logits, y_true),
        n(z.grad),
        **GRAD_TOL,
    )


# --------------------------------------------------------------------------------------
# layers
# --------------------------------------------------------------------------------------

TORCH_ACTIVATIONS = {
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    None: lambda v: v,
}


def _torch_linear(W, b):
    """A torch.nn.Linear holding W and b. torch stores weight as (out, in): it is W.T."""
    in_features, out_features = W.shape
    layer = torch.nn.Linear(in_features, out_features, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(t(W.T))
        layer.bias.copy_(t(b))
    return layer


@pytest.mark.verifies("dense-forward", "dense-backward", by="PyTorch")
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", None])
@pytest.mark.parametrize(("batch", "n_in", "n_out"), [(1, 3, 2), (6, 4, 5), (9, 7, 1)])
@pytest.mark.parametrize("seed", SEEDS)
def test_dense_forward_and_backward_match_torch(
    activation, batch, n_in, n_out, seed, measured
):
    rng = np.random.default_rng(seed)
    layer = nnmath.Dense(n_in, n_out, activation=activation, rng=rng)
    layer.bias[:] = rng.normal(size=n_out)  # a non-zero bias, so a dropped b would show
    X = rng.normal(size=(batch, n_in))
    dA = rng.normal(size=(batch, n_out))  # random upstream gradient

    ref = _torch_linear(layer.weights, layer.bias)
    Xt = t(X, requires_grad=True)
    At = TORCH_ACTIVATIONS[activation](ref(Xt))
    (At * t(dA)).sum().backward()

    A = layer.forward(X)
    dX = layer.backward(dA)
    agree(measured, A, n(At), **VALUE_TOL)
    agree(measured, dX, n(Xt.grad), **GRAD_TOL)
    agree(measured, layer.grad_weights, n(ref.weight.grad).T, **GRAD_TOL)
    agree(measured, layer.grad_bias, n(ref.bias.grad), **GRAD_TOL)


@pytest.mark.verifies("dense-forward", "dense-backward", by="PyTorch")
@pytest.mark.parametrize("seed", SEEDS)
def test_linear_and_linear_backward_match_torch(seed, measured):
    rng = np.random.default_rng(seed)
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    dZ = rng.normal(size=(5, 4))
    Xt, Wt, bt = t(X, True), t(W, True), t(b, True)
    Zt = Xt @ Wt + bt
    (Zt * t(dZ)).sum().backward()

    agree(measured, nnmath.linear(X, W, b), n(Zt), **VALUE_TOL)
    for mine, theirs in zip(
        nnmath.linear_backward(X, W, dZ), (Xt.grad, Wt.grad, bt.grad)
    ):
        agree(measured, mine, n(theirs), **GRAD_TOL)


def _torch_copy(model):
    """A torch.nn.Sequential with the same weights and activations as an nnmath model."""
    modules = []
    for layer in model.layers:
        modules.append(_torch_linear(layer.weights, layer.bias))
        act = {
            "relu": torch.nn.ReLU,
            "sigmoid": torch.nn.Sigmoid,
            "tanh": torch.nn.Tanh,
        }.get(layer.activation)
        if act is not None:
            modules.append(act())
    return torch.nn.Sequential(*modules)


def _torch_grads(ref):
    """Gradients in nnmath's order and orientation: [dW1, db1, dW2, db2, ...]."""
    out = []
    for module in ref:
        if isinstance(module, torch.nn.Linear):
            out += [n(module.weight.grad).T, n(module.bias.grad)]
    return out


def _torch_params(ref):
    out = []
    for module in ref:
        if isinstance(module, torch.nn.Linear):
            out += [n(module.weight).T, n(module.bias)]
    return out


@pytest.mark.verifies("two-layer-forward", "two-layer-backward", by="PyTorch")
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("seed", SEEDS)
def test_network_loss_and_every_gradient_match_torch(activation, seed, measured):
    """Forward, fused softmax cross-entropy and backward through a three-layer network."""
    rng = np.random.default_rng(seed)
    model = nnmath.mlp([6, 8, 5, 4], activation, rng)
    for layer in model.layers:
        layer.bias[:] = rng.normal(scale=0.1, size=layer.bias.shape)
    X = rng.normal(size=(10, 6))
    labels = rng.integers(0, 4, size=10)
    Y = nnmath.one_hot(labels, 4)

    ref = _torch_copy(model)
    Xt = t(X, requires_grad=True)
    loss_t = F.cross_entropy(ref(Xt), torch.as_tensor(labels))
    loss_t.backward()

    logits = model.forward(X)
    loss = nnmath.softmax_cross_entropy(logits, Y)
    dX = model.backward(nnmath.softmax_cross_entropy_gradient(logits, Y))

    agree(measured, loss, loss_t.item(), **VALUE_TOL)
    agree(measured, dX, n(Xt.grad), **GRAD_TOL)
    grads = model.gradients()
    assert len(grads) == 6
    for mine, theirs in zip(grads, _torch_grads(ref)):
        assert mine.shape == theirs.shape
        agree(measured, mine, theirs, **GRAD_TOL)


@pytest.mark.parametrize(
    ("optimizer", "torch_optimizer"),
    [
        pytest.param(
            lambda: nnmath.SGD(0.1),
            lambda p: torch.optim.SGD(p, lr=0.1),
            marks=pytest.mark.verifies("sgd", by="PyTorch"),
            id="sgd",
        ),
        pytest.param(
            lambda: nnmath.SGD(0.05, momentum=0.9),
            lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
            marks=pytest.mark.verifies("momentum", by="PyTorch"),
            id="sgd-momentum",
        ),
        pytest.param(
            lambda: nnmath.Adam(0.01),
            lambda p: torch.optim.Adam(p, lr=0.01),
            marks=pytest.mark.verifies("adam", by="PyTorch"),
            id="adam",
        ),
    ],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_train_step_matches_torch_training(optimizer, torch_optimizer, seed, measured):
    """nnmath.train_step against the same forward/loss/backward/step in torch, for 20 steps."""
    rng = np.random.default_rng(seed)
    model = nnmath.mlp([5, 7, 3], "tanh", rng)
    ref = _torch_copy(model)
    opt, opt_t = optimizer(), torch_optimizer(ref.parameters())
    for _ in range(20):
        X = rng.normal(size=(8, 5))
        labels = rng.integers(0, 3, size=8)
        loss = nnmath.train_step(model, opt, X, nnmath.one_hot(labels, 3))
        opt_t.zero_grad()
        loss_t = F.cross_entropy(ref(t(X)), torch.as_tensor(labels))
        loss_t.backward()
        opt_t.step()
        agree(measured, loss, loss_t.item(), rtol=1e-10)
    for mine, theirs in zip(model.parameters(), _torch_params(ref)):
        agree(measured, mine, theirs, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------------------
# optimizer trajectories
# --------------------------------------------------------------------------------------

# Several parameters of different shapes; each gets gradients at its own scale. The tiny
# scale makes epsilon matter (a misplaced epsilon moves those coordinates visibly); the
# number of parameters makes a per-parameter time step run the bias correction 4x too fast.
PARAM_SHAPES = [(3, 4), (4,), (2, 3, 2), (1,)]
GRAD_SCALES = [1.0, 1e-3, 10.0, 1e-7]
STEPS = 150

# name: (nnmath's optimizer, its keyword arguments); torch's gets the same values
OPTIMIZERS = {
    "sgd": (nnmath.SGD, dict(learning_rate=0.05)),
    "sgd-momentum": (nnmath.SGD, dict(learning_rate=0.01, momentum=0.9)),
    "adam-defaults": (nnmath.Adam, {}),
    "adam-custom": (
        nnmath.Adam,
        dict(learning_rate=0.02, beta1=0.8, beta2=0.99, epsilon=1e-6),
    ),
}


def _optimizers(name, params_t, **changes):
    """nnmath's optimizer ``name`` and torch's on ``params_t``, with the same
    hyper-parameters; ``changes`` (in nnmath's names) replace some of them."""
    cls, hyper = OPTIMIZERS[name]
    hyper = {**hyper, **changes}
    if cls is nnmath.SGD:
        lr, momentum = hyper["learning_rate"], hyper.get("momentum", 0.0)
        return cls(**hyper), torch.optim.SGD(params_t, lr=lr, momentum=momentum)
    if not hyper:  # each library's own defaults
        return cls(), torch.optim.Adam(params_t)
    betas = (hyper["beta1"], hyper["beta2"])
    return cls(**hyper), torch.optim.Adam(
        params_t, lr=hyper["learning_rate"], betas=betas, eps=hyper["epsilon"]
    )


OPTIMIZER_PARAMS = [
    pytest.param("adam-custom", marks=pytest.mark.verifies("adam", by="PyTorch")),
    pytest.param("adam-defaults", marks=pytest.mark.verifies("adam", by="PyTorch")),
    pytest.param("sgd", marks=pytest.mark.verifies("sgd", by="PyTorch")),
    pytest.param("sgd-momentum", marks=pytest.mark.verifies("momentum", by="PyTorch")),
]


def _initial_params(rng):
    return [rng.normal(size=shape) for shape in PARAM_SHAPES]


def _assert_same_params(measured, params, params_t, where, rtol, atol):
    for k, (p, pt) in enumerate(zip(params, params_t)):
        agree_relative(
            measured,
            p,
            n(pt),
            rtol=rtol,
            atol=atol,
            err_msg=f"{where}: params[{k}] differs",
        )


@pytest.mark.parametrize("name", OPTIMIZER_PARAMS)
@pytest.mark.parametrize("seed", [0, 1])
def test_optimizer_trajectory_matches_torch_with_random_gradients(name, seed, measured):
    """The same seeded random gradients fed to both; every parameter compared every step."""
    rng = np.random.default_rng(seed)
    params = _initial_params(rng)
    params_t = [t(p, requires_grad=True) for p in params]
    opt, opt_t = _optimizers(name, params_t)
    for step in range(1, STEPS + 1):
        # a drifting mean keeps the first moment away from 0: bias correction matters
        grads = [
            scale * (rng.normal(size=p.shape) + np.sin(step / 10.0))
            for p, scale in zip(params, GRAD_SCALES)
        ]
        opt.step(params, grads)
        for pt, g in zip(params_t, grads):
            pt.grad = t(g)
        opt_t.step()
        _assert_same_params(
            measured, params, params_t, f"{name}, step {step}", 1e-11, 1e-13
        )
    if name.startswith("adam"):
        assert opt.t == STEPS  # one time step per call, however many parameters
        for m, v, pt in zip(opt.m, opt.v, params_t):
            state = opt_t.state[pt]
            agree_relative(measured, m, n(state["exp_avg"]), rtol=1e-10, atol=1e-25)
            agree_relative(measured, v, n(state["exp_avg_sq"]), rtol=1e-10, atol=1e-30)


# The quadratic's parameters start N(0, 1) and its minimizer's entries are below 4: a
# run that takes one beyond this has diverged.
DIVERGED = 100.0


@pytest.mark.parametrize("name", OPTIMIZER_PARAMS)
def test_optimizer_trajectory_matches_torch_on_a_quadratic(name, measured):
    """Gradients that depend on the parameters: L = sum_k 0.5 ||A_k p_k - c_k||^2, 200 steps.

    The Hessian is block-diagonal, with blocks A_k^T A_k; lambda_max is the largest of
    their eigenvalues. Gradient descent converges for lr < 2 / lambda_max, and heavy-ball
    momentum mu for lr < 2 (1 + mu) / lambda_max (Polyak, 1964): both run at half that
    bound. Beyond it, nnmath and torch blow up together and their agreement proves
    nothing. Adam moves each coordinate by about lr per step whatever the curvature, so
    it keeps its own learning rate.
    """
    cls, hyper = OPTIMIZERS[name]
    rng = np.random.default_rng(42)
    params = _initial_params(rng)
    targets = [
        (rng.normal(size=(p.size, p.size)), rng.normal(size=p.size)) for p in params
    ]
    lambda_max = max(np.linalg.eigvalsh(A.T @ A).max() for A, _ in targets)
    changes = {}
    if cls is nnmath.SGD:
        changes["learning_rate"] = (1 + hyper.get("momentum", 0.0)) / lambda_max
    params_t = [t(p, requires_grad=True) for p in params]
    opt, opt_t = _optimizers(name, params_t, **changes)

    def loss():
        return sum(
            0.5 * np.sum((A @ p.reshape(-1) - c) ** 2)
            for p, (A, c) in zip(params, targets)
        )

    def loss_t():
        return sum(
            0.5 * ((t(A) @ p.reshape(-1) - t(c)) ** 2).sum()
            for p, (A, c) in zip(params_t, targets)
        )

    losses = [loss()]
    for step in range(1, 201):
        grads = [
            (A.T @ (A @ p.reshape(-1) - c)).reshape(p.shape)
            for p, (A, c) in zip(params, targets)
        ]
        opt.step(params, grads)
        opt_t.zero_grad()
        loss_t().backward()
        opt_t.step()
        losses.append(loss())
        largest = max(np.abs(p).max() for p in params)
        assert largest < DIVERGED, f"{name}, step {step}: diverged, |p| = {largest}"
        _assert_same_params(
            measured, params, params_t, f"{name}, step {step}", 1e-9, 1e-12
        )
    assert losses[-1] < losses[0], f"{name}: the loss did not decrease"
    if name == "sgd":  # below 2 / lambda_max, every step of gradient descent helps
        assert np.all(np.diff(losses) < 0)
