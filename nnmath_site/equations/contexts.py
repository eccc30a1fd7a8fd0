r"""What the code computes, bound to the names the formulas use.

A context runs the code that an equation's mark names on random inputs and returns the
names of the formula bound to what the code computed: the context of
``nnmath.linear_backward`` draws ``X``, ``W`` and ``dZ`` and binds ``dX``, ``dW`` and
``d\mathbf{b}`` to what ``linear_backward`` returned. The formula as written is then
evaluated with those bindings (run.py): ``dW = X^\top dZ`` compares the code's ``dW``
with ``X^\top dZ`` computed from the formula.

One context may serve several code names (``CONTEXTS`` maps each name to its context).
Names a context does not bind are drawn as the symbol table says (symbols.yml), and the
functions (``\sigma``, ``\operatorname{softmax}``) are bound from it.
"""

from __future__ import annotations

import numpy as np

import nnmath

__all__ = ["CONTEXTS", "context"]

CONTEXTS: dict[str, object] = {}


def context(*names, draws: int = 20, covers=(), constants=(), values_only=False):
    """Register a context for the code ``names``: ``fn(rng) -> {name: value}``.

    ``covers``: code the context also runs (a network's loss), which a formula run in
    it exercises, though other formulas of that code run in a context of their own.
    ``constants``: names it binds to the code's fixed values (defaults, clips), against
    which a value the prose gives (``\\beta_1 = 0.9``) is checked; ``values_only``: no
    formula runs in it, only such values."""

    def register(fn):
        fn.draws = draws
        fn.constants = frozenset(constants)
        fn.values_only = values_only
        fn.names = names + tuple(covers)
        for name in names:
            CONTEXTS[name] = fn
        return fn

    return register


def _sizes(rng, *names):
    return [int(rng.integers(2, 5)) for _ in names]


ACTIVATIONS = {
    "relu": (nnmath.relu, nnmath.relu_derivative),
    "sigmoid": (nnmath.sigmoid, nnmath.sigmoid_derivative),
    "tanh": (nnmath.tanh, nnmath.tanh_derivative),
}


def _activation(rng):
    name = ["relu", "sigmoid", "tanh"][int(rng.integers(3))]
    return name, *ACTIVATIONS[name]


def _away_from_zero(rng, shape):
    """Normal draws kept away from ReLU's kink at 0."""
    values = rng.normal(size=shape)
    return np.where(np.abs(values) < 0.05, 0.05 * np.sign(values) + 0.05, values)


def _one_hot(rng, B, C):
    return nnmath.one_hot(rng.integers(C, size=B), C)


# ---- element-wise functions: only the free draw of x -----------------------------------


@context("nnmath.softmax", draws=100)
def softmax(rng):
    (C,) = _sizes(rng, "C")
    z = rng.normal(scale=3.0, size=C)
    s = nnmath.softmax(z)
    return {"C": C, r"\mathbf{z}": z, "z": z, r"\mathbf{s}": s, "s": s}


@context("nnmath.softmax_jacobian", "nnmath.softmax_backward", draws=50)
def softmax_jacobian(rng):
    values = softmax(rng)
    z = values["z"]
    J = nnmath.softmax_jacobian(z)
    g = rng.normal(size=z.shape)
    # the Jacobian-vector product, as softmax_backward computes it: J g
    return values | {"J": J, "ds/dz": J, r"\mathbf{g}": g, "g": g,
                     "Jg": nnmath.softmax_backward(z, g)}  # fmt: skip


# ---- layers ----------------------------------------------------------------------------


@context("nnmath.linear", "nnmath.Dense.forward", covers=("nnmath.neuron",), draws=20)
def dense_forward(rng):
    B, n, k = _sizes(rng, "B", "n", "k")
    name, f, f_prime = _activation(rng)
    layer = nnmath.Dense(n, k, activation=name, rng=rng)
    layer.bias = rng.normal(size=k)
    X = _away_from_zero(rng, (B, n))
    A = layer.forward(X)
    Z = nnmath.linear(X, layer.weights, layer.bias)
    return {
        "B": B, "n": n, "k": k, "X": X, "W": layer.weights, r"\mathbf{b}": layer.bias,
        "b": layer.bias, "Z": Z, "A": A, "f": f, "f'": f_prime,
        "neuron": lambda x, w, b: nnmath.neuron(x, w, b, activation=f),
    }  # fmt: skip


class LoopMatrix(np.ndarray):
    """An array whose ``@`` is ``nnmath.matmul_loops``: ``AB`` in a formula runs the loops."""

    def __matmul__(self, other):
        return np.asarray(nnmath.matmul_loops(np.asarray(self), np.asarray(other)))


@context("nnmath.matmul_loops", draws=20)
def matmul_loops(rng):
    m, n, k = _sizes(rng, "m", "n", "k")
    A = rng.normal(size=(m, n)).view(LoopMatrix)
    B = rng.normal(size=(n, k)).view(LoopMatrix)
    b = rng.normal(size=k)
    Z = np.asarray(A @ B) + b  # the loops, then the bias
    return {"m": m, "n": n, "k": k, "A": A, "B": B, "X": A, "W": B, "b": b,
            r"\mathbf{b}": b, "Z": Z}  # fmt: skip


@context("nnmath.linear_backward", "nnmath.Dense.backward", draws=20)
def dense_backward(rng):
    values = dense_forward(rng)
    B, n, k = values["B"], values["n"], values["k"]
    layer = nnmath.Dense(n, k, activation="relu", rng=rng)
    name, f, f_prime = _activation(rng)
    layer = nnmath.Dense(n, k, activation=name, rng=rng)
    X = values["X"]
    layer.forward(X)
    Z = nnmath.linear(X, layer.weights, layer.bias)
    dA = rng.normal(size=(B, k))
    dX = layer.backward(dA)
    dZ = dA * f_prime(Z)
    dX_lin, dW_lin, db_lin = nnmath.linear_backward(X, layer.weights, dZ)
    assert np.allclose(dX, dX_lin)
    return {
        "B": B, "n": n, "k": k, "X": X, "W": layer.weights, r"\mathbf{b}": layer.bias,
        "Z": Z, "f": f, "f'": f_prime, "dA": dA, "dZ": dZ, "dX": dX,
        "A_prev": X, "dA_prev": dX,  # a layer's input is the previous layer's output
        "dW": layer.grad_weights, r"d\mathbf{b}": layer.grad_bias,
    }  # fmt: skip


def _two_layer(rng, activation=None):
    B, n, H, C = _sizes(rng, "B", "n", "H", "C")
    name, f, f_prime = _activation(rng) if activation is None else (
        activation, *ACTIVATIONS[activation])  # fmt: skip
    model = nnmath.Sequential(
        [
            nnmath.Dense(n, H, activation=name, rng=rng),
            nnmath.Dense(H, C, activation=None, rng=rng),
        ]
    )
    for layer in model.layers:
        layer.bias = rng.normal(size=layer.bias.shape)
    X = _away_from_zero(rng, (B, n))
    Y = _one_hot(rng, B, C)
    Z2 = model.forward(X)
    L, dZ2 = nnmath.softmax_cross_entropy_and_gradient(Z2, Y)
    dX = model.backward(dZ2)
    first, second = model.layers
    Z1 = nnmath.linear(X, first.weights, first.bias)
    # what Sequential.backward passes between the layers: dA_1 and dZ_1 (not stored)
    dA1 = nnmath.linear_backward(f(Z1), second.weights, dZ2)[0]
    dZ1 = dA1 * f_prime(Z1)
    return {
        "B": B, "n": n, "H": H, "C": C, "X": X, "Y": Y, "f": f, "f'": f_prime,
        "W_1": first.weights, r"\mathbf{b}_1": first.bias, "b_1": first.bias,
        "W_2": second.weights, r"\mathbf{b}_2": second.bias, "b_2": second.bias,
        "Z_1": Z1, "A_1": f(Z1), "Z_2": Z2, r"\hat{Y}": nnmath.softmax(Z2), "L": L,
        "dZ_2": dZ2, "dW_2": second.grad_weights, r"d\mathbf{b}_2": second.grad_bias,
        "dW_1": first.grad_weights, r"d\mathbf{b}_1": first.grad_bias, "dX": dX,
        "dA_1": dA1, "dZ_1": dZ1,
    }  # fmt: skip


SOFTMAX_CROSS_ENTROPY = (
    "nnmath.softmax_cross_entropy",
    "nnmath.softmax_cross_entropy_gradient",
    "nnmath.softmax_cross_entropy_and_gradient",
)


@context(
    "nnmath.Sequential.forward",
    "nnmath.Sequential.backward",
    covers=SOFTMAX_CROSS_ENTROPY,
    draws=20,
)
def two_layer(rng):
    return _two_layer(rng)


@context(*SOFTMAX_CROSS_ENTROPY, draws=50)
def softmax_cross_entropy(rng):
    """One example's loss on its logits, and the gradient of a batch's."""
    B, C = _sizes(rng, "B", "C")
    Z = rng.normal(scale=3.0, size=(B, C))
    Y = nnmath.softmax(rng.normal(scale=2.0, size=(B, C)))  # rows that sum to 1
    L, dZ = nnmath.softmax_cross_entropy_and_gradient(Z, Y)
    z, y = Z[0], Y[0]
    return {
        "B": B, "C": C, "Z": Z, "Y": Y, r"\hat{Y}": nnmath.softmax(Z), "dZ": dZ,
        r"\mathbf{z}": z, "z": z, r"\mathbf{y}": y, "y": y,
        r"\hat{\mathbf{y}}": nnmath.softmax(z), "L": L,
        r"L(\mathbf{z})": nnmath.softmax_cross_entropy(z, y),
        r"d\mathbf{z}": nnmath.softmax_cross_entropy_gradient(z, y) * 1,
    }  # fmt: skip


@context("nnmath.mlp", draws=10)
def relu_network(rng):
    """The training page's network: ReLU hidden layer, as ``mlp`` builds it."""
    return _two_layer(rng, activation="relu")


BY_HAND = (
    "nnmath.linear", "nnmath.sigmoid", "nnmath.sigmoid_derivative", "nnmath.softmax",
    "nnmath.softmax_cross_entropy", "nnmath.softmax_cross_entropy_gradient",
    "nnmath.linear_backward",
)  # fmt: skip


@context("nnmath_site.by_hand.network_pass", draws=1, covers=BY_HAND)
def by_hand_network(rng):
    from nnmath_site import by_hand

    inputs = by_hand.network_inputs()
    names = by_hand.NETWORK_NAMES
    out = dict(zip(names, by_hand.network_pass(**inputs)))
    X, W1, b1, W2, b2, Y = inputs.values()
    return {
        "B": X.shape[0], "n": X.shape[1], "H": W1.shape[1], "C": W2.shape[1],
        "X": X, "Y": Y, "W_1": W1, r"\mathbf{b}_1": b1, "b_1": b1, "W_2": W2,
        r"\mathbf{b}_2": b2, "b_2": b2, "Z_1": out["Z1"], "A_1": out["A1"],
        "Z_2": out["Z2"], r"\hat{Y}": out["Y_hat"], "L": out["L"], "dZ_2": out["dZ2"],
        "dW_2": out["dW2"], r"d\mathbf{b}_2": out["db2"], "dA_1": out["dA1"],
        "dZ_1": out["dZ1"], "dW_1": out["dW1"], r"d\mathbf{b}_1": out["db1"],
        "f": nnmath.sigmoid, "f'": nnmath.sigmoid_derivative,
    }  # fmt: skip


@context(
    "nnmath_site.by_hand.neuron_pass",
    draws=1,
    covers=("nnmath.sigmoid", "nnmath.sigmoid_derivative"),
)
def by_hand_neuron(rng):
    from nnmath_site import by_hand

    inputs = by_hand.neuron_inputs()
    z, a, L, dL_da, da_dz, dL_dz, dL_dw, dL_db, dL_dx = by_hand.neuron_pass(**inputs)
    return inputs | {
        "z": z, "a": a, "L": L, "da": dL_da, "da/dz": da_dz, "dz": dL_dz,
        "dw": dL_dw, "db": dL_db, "dx": dL_dx, "dz/dw": inputs["x"], "dz/db": 1.0,
        "dz/dx": inputs["w"],
    }  # fmt: skip


# ---- losses ----------------------------------------------------------------------------


@context("nnmath.mse", "nnmath.mse_gradient", draws=50)
def mse(rng):
    B, k = _sizes(rng, "B", "k")
    Y_hat, Y = rng.normal(size=(B, k)), rng.normal(size=(B, k))
    return {
        "B": B, "k": k, "N": Y.size, r"\hat{Y}": Y_hat, "Y": Y,
        r"\hat{y}": Y_hat.ravel(), "y": Y.ravel(), "L": nnmath.mse(Y_hat, Y),
        r"d\hat{y}": nnmath.mse_gradient(Y_hat, Y).ravel(),
        r"d\hat{Y}": nnmath.mse_gradient(Y_hat, Y),
    }  # fmt: skip


def _default(function, name):
    import inspect

    return inspect.signature(function).parameters[name].default


@context(
    "nnmath.cross_entropy",
    "nnmath.cross_entropy_gradient",
    draws=50,
    constants=(r"\epsilon",),
)
def cross_entropy(rng):
    B, C = _sizes(rng, "B", "C")
    Y_hat = nnmath.softmax(rng.normal(size=(B, C)))
    Y = nnmath.softmax(rng.normal(scale=2.0, size=(B, C)))  # rows that sum to 1
    y_hat, y = Y_hat[0], Y[0]
    return {
        "B": B, "C": C, r"\hat{Y}": Y_hat, "Y": Y, "L": nnmath.cross_entropy(Y_hat, Y),
        r"d\hat{Y}": nnmath.cross_entropy_gradient(Y_hat, Y),
        r"\hat{\mathbf{y}}": y_hat, r"\hat{y}": y_hat, r"\mathbf{y}": y, "y": y,
        "L(y)": nnmath.cross_entropy(y_hat, y),
        r"\epsilon": _default(nnmath.cross_entropy, "epsilon"),  # the clip
    }  # fmt: skip


@context("nnmath.losses.cross_entropy", covers=("nnmath.cross_entropy",), draws=50)
def cross_entropy_one_example(rng):
    """One example: a probability vector and a target that sums to 1."""
    (C,) = _sizes(rng, "C")
    y_hat = nnmath.softmax(rng.normal(size=C))
    y = nnmath.softmax(rng.normal(scale=2.0, size=C))
    return {"C": C, r"\hat{\mathbf{y}}": y_hat, r"\hat{y}": y_hat, r"\mathbf{y}": y,
            "y": y, "L": nnmath.cross_entropy(y_hat, y)}  # fmt: skip


@context("nnmath.log_softmax", draws=100)
def log_softmax(rng):
    (C,) = _sizes(rng, "C")
    z = rng.normal(scale=5.0, size=C)
    return {"C": C, r"\mathbf{z}": z, "z": z, "m": float(np.max(z))}


# ---- the neuron ------------------------------------------------------------------------


@context("nnmath.neuron", draws=50)
def neuron(rng):
    (n,) = _sizes(rng, "n")
    name, f, f_prime = _activation(rng)
    x, w = _away_from_zero(rng, n), rng.normal(size=n)
    b = float(rng.normal())
    y = nnmath.neuron(x, w, b, activation=f)
    z = float(w @ x + b)
    return {
        "n": n, r"\mathbf{x}": x, "x": x, r"\mathbf{w}": w, "w": w, "b": b, "y": y,
        "z": z, "f": f, "f'": f_prime, "neuron": nnmath.neuron,
        r"dy/d\mathbf{w}": f_prime(z) * x, "dy/db": f_prime(z),
        r"dy/d\mathbf{x}": f_prime(z) * w,
    }  # fmt: skip


# ---- gradient checks -------------------------------------------------------------------


@context("nnmath.numerical_gradient", draws=20)
def numerical_gradient(rng):
    (n,) = _sizes(rng, "n")
    g = rng.normal(size=n)
    x = rng.uniform(-1, 1, size=n)
    h = 1e-4

    def f(v):
        return float(np.sum(g * np.tanh(v)))

    return {"n": n, "x": x, "h": h, "f": f, "e": np.eye(n), "g": g,
            "df/dx": nnmath.numerical_gradient(f, x.copy(), h=h)}  # fmt: skip


@context("nnmath.relative_error", "nnmath.check_gradient", draws=50)
def relative_error(rng):
    (n,) = _sizes(rng, "n")
    a, b = rng.normal(size=n), rng.normal(size=n)
    b = a + rng.normal(scale=10.0 ** -rng.integers(1, 8), size=n)
    return {"n": n, "a": a, "b": b, "g_analytic": a, "g_numerical": b, "g_an": a,
            "g_num": b, "e": nnmath.relative_error(a, b)}  # fmt: skip


# ---- optimizers ------------------------------------------------------------------------


def _trajectory(rng, optimizer, steps=4):
    """theta_0 ... theta_T and g_1 ... g_T of ``steps`` steps, with the optimizer's state
    after each step (``state(optimizer) -> dict of arrays``), keyed by t."""
    theta = rng.normal(size=3)
    thetas, grads = {0: theta.copy()}, {}
    for t in range(1, steps + 1):
        g = rng.normal(size=3)
        optimizer.step([theta], [g])
        thetas[t], grads[t] = theta.copy(), g
        yield t, thetas, grads


@context("nnmath.SGD.step", draws=30)
def sgd(rng):
    learning_rate = float(rng.uniform(0.01, 0.5))
    momentum = float(rng.uniform(0.0, 0.99))
    plain = nnmath.SGD(learning_rate)
    theta = rng.normal(size=3)
    g = rng.normal(size=3)
    before = theta.copy()
    plain.step([theta], [g])
    return {r"\theta": before, r"\theta←": theta, r"d\theta": g, r"\eta": learning_rate,
            r"\mu": momentum}  # fmt: skip


@context("nnmath.SGD", covers=("nnmath.SGD.step",), draws=30)
def momentum(rng):
    """SGD with momentum over a few steps: theta_t, v_t and g_t keyed by t."""
    learning_rate = float(rng.uniform(0.01, 0.5))
    mu = float(rng.uniform(0.0, 0.99))
    heavy = nnmath.SGD(learning_rate, momentum=mu)
    velocity = {0: np.zeros(3)}
    for t, thetas, grads in _trajectory(rng, heavy):  # noqa: B007 (kept: the last)
        velocity[t] = heavy.velocity[0].copy()
    return {
        r"\eta": learning_rate, r"\mu": mu, "t": int(rng.integers(1, max(grads) + 1)),
        r"\mathbf{v}": velocity, r"\mathbf{g}": grads, r"\theta": thetas,
        r"\mathbf{0}": np.zeros(3),
    }  # fmt: skip


@context("nnmath.Adam.step", draws=30)
def adam(rng):
    settings = {
        "learning_rate": float(rng.uniform(1e-3, 0.1)),
        "beta1": float(rng.uniform(0.5, 0.95)),
        "beta2": float(rng.uniform(0.9, 0.999)),
        "epsilon": float(10.0 ** rng.uniform(-8, -2)),
    }
    optimizer = nnmath.Adam(**settings)
    m, v = {0: np.zeros(3)}, {0: np.zeros(3)}
    for t, thetas, grads in _trajectory(rng, optimizer):  # noqa: B007 (kept: the last)
        m[t], v[t] = optimizer.m[0].copy(), optimizer.v[0].copy()
    return {
        "m": m, "v": v, "g": grads, r"\theta": thetas,
        "t": int(rng.integers(1, max(grads) + 1)), r"\eta": settings["learning_rate"],
        r"\beta_1": settings["beta1"], r"\beta_2": settings["beta2"],
        r"\epsilon": settings["epsilon"],
    }  # fmt: skip


# ---- initializers: the distribution each one draws from, as its Generator calls show --


class Draw:
    """What an initializer drew: ``normal`` with a mean and variance, or ``uniform``."""

    def __init__(self, family, first, second):
        self.family, self.first, self.second = family, first, second

    def __getitem__(self, key):  # W_{ij}: every entry is drawn the same way
        return self


class _Recording(np.random.Generator):
    def __init__(self, seed):
        super().__init__(np.random.PCG64(seed))
        self.calls = []

    def standard_normal(self, *args, **kwargs):
        out = super().standard_normal(*args, **kwargs)
        self.calls.append(("standard_normal", out))
        return out

    def normal(self, loc=0.0, scale=1.0, size=None):
        self.calls.append(("normal", loc, scale))
        return super().normal(loc, scale, size)

    def uniform(self, low=0.0, high=1.0, size=None):
        self.calls.append(("uniform", low, high))
        return super().uniform(low, high, size)


def _drawn(rng, initializer):
    n_in, n_out = (int(v) for v in rng.integers(1, 600, size=2))
    recording = _Recording(int(rng.integers(2**31)))
    W = initializer(n_in, n_out, recording)
    (call,) = recording.calls
    if call[0] == "standard_normal":  # W = scale * z: the scale used, exactly
        scale = float(np.max(np.abs(W)) / np.max(np.abs(call[1])))
        draw = Draw("normal", 0.0, scale**2)
    elif call[0] == "normal":
        draw = Draw("normal", call[1], call[2] ** 2)
    else:
        draw = Draw("uniform", call[1], call[2])
    return {"n_in": n_in, "n_out": n_out, "W": draw}


@context("nnmath.he_normal", draws=50)
def he_normal(rng):
    return _drawn(rng, nnmath.he_normal)


@context("nnmath.glorot_uniform", draws=50)
def glorot_uniform(rng):
    return _drawn(rng, nnmath.glorot_uniform)


# ---- the optimizers page's example surface ---------------------------------------------


@context(
    "nnmath_site.surfaces.toy_quadratic",
    "nnmath_site.surfaces.toy_quadratic_gradient",
    draws=50,
)
def toy_quadratic(rng):
    from nnmath_site import surfaces

    x, y = (float(v) for v in rng.normal(scale=3.0, size=2))
    return {
        "x": x, "y": y,
        "f": lambda x, y: surfaces.toy_quadratic(np.array([x, y])),
        r"\nabla f": surfaces.toy_quadratic_gradient(np.array([x, y])),
    }  # fmt: skip


# ---- the exercises' worked solutions ----------------------------------------------------


def _solution(name):
    from .marks import _resolve

    return _resolve(f"exercises.solutions.{name}")


@context("exercises.solutions.activations.silu_derivative", draws=100)
def silu(rng):
    return {"x": float(rng.normal(scale=3.0)),
            "silu'": _solution("activations.silu_derivative")}  # fmt: skip


@context("exercises.solutions.backprop.dense_backward", draws=20)
def tanh_layer(rng):
    B, n, k = _sizes(rng, "B", "n", "k")
    X, W = rng.normal(size=(B, n)), rng.normal(size=(n, k))
    b, dA = rng.normal(size=k), rng.normal(size=(B, k))
    dX, dW, db = _solution("backprop.dense_backward")(X, W, b, dA)
    return {"B": B, "n": n, "k": k, "X": X, "W": W, r"\mathbf{b}": b, "dA": dA,
            "Z": X @ W + b, "dX": dX, "dW": dW, r"d\mathbf{b}": db}  # fmt: skip


@context("exercises.solutions.losses.logsumexp", draws=50)
def logsumexp(rng):
    B, C = _sizes(rng, "B", "C")
    return {"B": B, "C": C, "Z": rng.normal(scale=5.0, size=(B, C)),
            "LSE": _solution("losses.logsumexp")}  # fmt: skip


@context("exercises.solutions.losses.binary_cross_entropy_gradient", draws=50)
def binary_cross_entropy(rng):
    (B,) = _sizes(rng, "B")
    z, y = rng.normal(scale=3.0, size=B), rng.uniform(size=B)
    return {"B": B, "z": z, "y": y,
            "dz": _solution("losses.binary_cross_entropy_gradient")(z, y)}  # fmt: skip


@context(
    "nnmath.Adam",
    covers=("nnmath.Adam.step",),
    draws=1,
    values_only=True,
    # the prose gives many learning rates (eta = 0.07 for a figure): only the names that
    # mean Adam's defaults wherever they are given
    constants=(r"\beta_1", r"\beta_2", r"\epsilon"),
)
def adam_defaults(rng):
    """Adam's defaults, as its signature has them (the paper's); only values are checked
    against them, no formula runs in this context."""
    return {
        r"\eta": _default(nnmath.Adam, "learning_rate"),
        r"\beta_1": _default(nnmath.Adam, "beta1"),
        r"\beta_2": _default(nnmath.Adam, "beta2"),
        r"\epsilon": _default(nnmath.Adam, "epsilon"),
    }
