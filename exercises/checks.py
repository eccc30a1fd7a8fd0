"""The checks: one function per exercise, registered with its page, title and hint.

A check receives the reader's function and returns if it is right. It raises ``Failed``
with a one-line explanation when it is not: which case, what came out, what was
expected. The cases are gradient checks (``nnmath.numerical_gradient``) and comparisons
with ``nnmath`` on seeded random inputs and a few edge cases the stubs do not show
(inputs of 1000 must not overflow, batches of one row and of several, square and
non-square layers). Run them with ``python -m exercises`` (``exercises/__main__.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import nnmath
import numpy as np

__all__ = ["EXERCISES", "PAGES", "Exercise", "Failed"]

#: Relative error below which an analytic gradient agrees with central differences.
TOLERANCE = 1e-7

#: The pages with exercises, in the order of the site.
PAGES = (
    "neuron",
    "activations",
    "matrix",
    "losses",
    "backprop",
    "optimizers",
    "gradcheck",
)


class Failed(Exception):
    """The reader's function gave a wrong answer; the message says which and how."""


@dataclass(frozen=True)
class Exercise:
    id: str  # "activations.2": the page, then the number on that page
    title: str
    function: str  # the function's name in exercises/<page>.py
    kind: str  # "derive", "implement" or "debug"
    hint: str  # one line: the idea, shown until the exercise passes
    check: Callable

    @property
    def page(self):
        return self.id.split(".")[0]

    @property
    def file(self):
        return f"exercises/{self.page}.py"


EXERCISES: list[Exercise] = []


def exercise(id, title, function, kind, hint):
    """Register the decorated check as exercise ``id``."""

    def register(check):
        EXERCISES.append(Exercise(id, title, function, kind, hint, check))
        return check

    return register


# --- helpers --------------------------------------------------------------------------


def _call(case, fn, *args, **kwargs):
    """Call the reader's function; an exception (or a warning) becomes one line."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as error:  # the reader's code: report it, do not crash
        raise Failed(f"{case}: raised {type(error).__name__}: {error}") from None


def _array(value, what, shape):
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Failed(
            f"{what} must be an array of numbers, got {type(value).__name__}"
        ) from None
    if array.shape != shape:
        raise Failed(f"{what} has shape {array.shape}, expected {shape}")
    if not np.all(np.isfinite(array)):
        raise Failed(f"{what} holds nan or inf: {_short(array)}")
    return array


def _scalar(value, what):
    return float(_array(value, what, ()))


def _parts(value, what, count):
    if not isinstance(value, tuple | list) or len(value) != count:
        raise Failed(f"{what} must return a tuple of {count} values, got {value!r:.60}")
    return value


def _short(array):
    return np.array2string(np.asarray(array), precision=4, threshold=6, edgeitems=2)


def _close(actual, expected, what, rtol=1e-9, atol=0.0):
    """``actual`` must have the shape of ``expected`` and equal it to ``rtol``."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = _array(actual, what, expected.shape)
    if np.allclose(actual, expected, rtol=rtol, atol=atol):
        return actual
    if expected.shape == ():
        raise Failed(f"{what} is {float(actual):.6g}, expected {float(expected):.6g}")
    bad = np.abs(actual - expected) > atol + rtol * np.abs(expected)
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    raise Failed(
        f"{what}: entry {index} is {actual[index]:.6g}, expected {expected[index]:.6g}"
    )


def _gradient(what, f, x, analytic):
    """``analytic`` must agree with the central differences of ``f`` at ``x``."""
    analytic = _array(analytic, what, x.shape)
    numerical = nnmath.numerical_gradient(f, x.astype(np.float64))
    error = nnmath.relative_error(analytic, numerical)
    if error < TOLERANCE:
        return
    message = f"{what} disagrees with the gradient check (relative error {error:.1e})"
    scale = float(numerical.ravel() @ numerical.ravel())
    if scale > 0:
        factor = float(analytic.ravel() @ numerical.ravel()) / scale
        scaled = nnmath.relative_error(analytic, factor * numerical)
        if abs(factor) > 1e-12 and scaled < 1e-6:
            message += f": it is {factor:.4g} times the right gradient"
    if (
        x.ndim == 2
        and x.shape[0] == x.shape[1]
        and nnmath.relative_error(analytic, numerical.T) < 1e-6
    ):
        message += ": it is the transpose of the right gradient"
    raise Failed(message)


# --- The neuron -----------------------------------------------------------------------


@exercise(
    "neuron.1",
    "signed distance to the decision line",
    "distance_to_boundary",
    "derive",
    "the closest point on w.x + b = 0 lies along w: divide z = w.x + b by |w|",
)
def check_distance_to_boundary(distance_to_boundary):
    rng = np.random.default_rng(101)
    for n in (2, 2, 3, 6):
        x, w, b = rng.normal(size=n), rng.normal(size=n), float(rng.normal())
        z, norm = w @ x + b, np.linalg.norm(w)
        case = f"distance_to_boundary(x, w, b) with n = {n}"
        got = _scalar(_call(case, distance_to_boundary, x.copy(), w.copy(), b), case)
        if np.isclose(got, z) and not np.isclose(norm, 1.0):
            raise Failed(f"{case} returns z = w.x + b; the distance divides it by |w|")
        if np.isclose(got, abs(z) / norm) and z < 0:
            raise Failed(f"{case} is |distance|; the signed one is negative here")
        if np.isclose(got, -z / norm):
            raise Failed(f"{case} has the wrong sign: positive on the side w points to")
        _close(got, z / norm, case)
    x, w, b = np.array([3.0, 4.0]), np.array([3.0, 4.0]), -25.0  # x on the line
    case = "distance_to_boundary of a point on the line"
    _close(_call(case, distance_to_boundary, x, w, b), 0.0, case, atol=1e-12)


@exercise(
    "neuron.2",
    "the three gradients of a sigmoid neuron",
    "neuron_gradients",
    "derive",
    "chain rule through z = w.x + b: each gradient is sigma'(z) times what z "
    "multiplies; sigma'(z) = sigma(z) sigma(-z) does not cancel",
)
def check_neuron_gradients(neuron_gradients):
    rng = np.random.default_rng(102)
    for n in (1, 3, 5):
        x, w, b = rng.normal(size=n), rng.normal(size=n), float(rng.normal())
        case = f"neuron_gradients(x, w, b) with n = {n}"
        dw, db, dx = _parts(
            _call(case, neuron_gradients, x.copy(), w.copy(), b), case, 3
        )
        _gradient(f"{case}: dy/dw", lambda v: nnmath.neuron(x, v, b), w.copy(), dw)
        _gradient(f"{case}: dy/dx", lambda v: nnmath.neuron(v, w, b), x.copy(), dx)
        db = _scalar(db, f"{case}: dy/db")
        _gradient(
            f"{case}: dy/db",
            lambda v: nnmath.neuron(x, w, float(v[0])),
            np.array([b]),
            np.array([db]),
        )
    for z in (40.0, -40.0):  # sigma(40) rounds to 1: sigma (1 - sigma) would be 0
        x, w = np.array([2.0, 1.0]), np.array([z / 2, 0.0])
        case = f"neuron_gradients at z = {z:g}"
        dw, db, dx = _parts(_call(case, neuron_gradients, x, w, 0.0), case, 3)
        _close(db, nnmath.sigmoid_derivative(z), f"{case}: dy/db", rtol=1e-6)


# --- Activation functions -------------------------------------------------------------


def _silu(x):
    return x * nnmath.sigmoid(x)


@exercise(
    "activations.1",
    "the derivative of SiLU, x sigma(x)",
    "silu_derivative",
    "derive",
    "product rule: (x sigma(x))' = sigma(x) + x sigma'(x); build it from "
    "nnmath.sigmoid so that x = -1000 does not overflow",
)
def check_silu_derivative(silu_derivative):
    rng = np.random.default_rng(103)
    for shape in [(6,), (3, 4)]:
        x = 3 * rng.normal(size=shape)
        G = rng.normal(size=shape)  # random upstream gradient
        case = f"silu_derivative(x) with x of shape {shape}"
        d = _array(_call(case, silu_derivative, x.copy()), case, shape)
        _gradient(case, lambda v: np.sum(G * _silu(v)), x, G * d)
    x = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    case = "silu_derivative([-1000, -40, 0, 40, 1000])"
    expected = nnmath.sigmoid(x) + x * nnmath.sigmoid_derivative(x)
    _close(_call(case, silu_derivative, x), expected, case, rtol=1e-8)


@exercise(
    "activations.2",
    "softmax that never overflows",
    "softmax",
    "debug",
    "softmax(z) = softmax(z - c) for any c: subtract each row's maximum before exp",
)
def check_softmax(softmax):
    rng = np.random.default_rng(104)
    cases = [
        ("softmax of a (4, 3) batch", rng.normal(size=(4, 3))),
        ("softmax of one vector of 5 logits", rng.normal(size=5)),
        ("softmax of logits near 1000", np.array([[1000.0, 999.0, 0.0]])),
        ("softmax of logits near -1000", np.array([[-1000.0, -1001.0, -1002.0]])),
        ("softmax of rows of different scales", np.array([[1.0, 2.0], [800.0, 0.0]])),
    ]
    for case, Z in cases:
        got = _close(_call(case, softmax, Z.copy()), nnmath.softmax(Z), case, rtol=1e-9)
        _close(got.sum(axis=-1), np.ones(Z.shape[:-1]), f"{case}: row sums", rtol=1e-12)


# --- Matrix operations ----------------------------------------------------------------


@exercise(
    "matrix.1",
    "the product as a sum of outer products",
    "matmul_outer",
    "implement",
    "AB is the sum over p of the outer product of column p of A with row p of B",
)
def check_matmul_outer(matmul_outer):
    rng = np.random.default_rng(105)
    for m, n, k in [(1, 1, 1), (5, 1, 3), (1, 6, 1), (4, 4, 4), (8, 5, 3)]:
        A, B = rng.normal(size=(m, n)), rng.normal(size=(n, k))
        case = f"matmul_outer(A, B) with A {A.shape} and B {B.shape}"
        _close(_call(case, matmul_outer, A.copy(), B.copy()), A @ B, case, rtol=1e-10)


@exercise(
    "matrix.2",
    "a bias added to the wrong axis",
    "linear",
    "debug",
    "b has shape (k,): one entry per neuron, that is per column of XW, for every row",
)
def check_linear(linear):
    rng = np.random.default_rng(106)
    for B, n, k in [(3, 4, 3), (5, 3, 2), (1, 2, 4), (4, 4, 4)]:
        X, W, b = rng.normal(size=(B, n)), rng.normal(size=(n, k)), rng.normal(size=k)
        case = f"linear(X, W, b) with B = {B}, n = {n}, k = {k}"
        _close(_call(case, linear, X.copy(), W.copy(), b.copy()), X @ W + b, case)


# --- Loss functions -------------------------------------------------------------------


def _logsumexp(Z):
    top = Z.max(axis=-1)
    return top + np.log(np.exp(Z - top[..., None]).sum(axis=-1))


@exercise(
    "losses.1",
    "log-sum-exp that never overflows",
    "logsumexp",
    "implement",
    "log sum_j e^(z_j) = m + log sum_j e^(z_j - m) with m = max_j z_j",
)
def check_logsumexp(logsumexp):
    rng = np.random.default_rng(107)
    cases = [
        ("logsumexp of a (4, 3) batch", rng.normal(size=(4, 3))),
        ("logsumexp of one row", rng.normal(size=(1, 5))),
        ("logsumexp of logits near 1000", np.array([[1000.0, 1000.0, 999.0]])),
        ("logsumexp of logits near -1000", np.array([[-1000.0, -1000.0]])),
        ("logsumexp of rows of different scales", np.array([[0.0, -800], [710, 1]])),
    ]
    for case, Z in cases:
        _close(_call(case, logsumexp, Z.copy()), _logsumexp(Z), case, rtol=1e-12)


def _bce(z, y):
    """Mean binary cross-entropy of sigma(z) against y, written without overflow."""
    return float(np.mean(y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z)))


@exercise(
    "losses.2",
    "the gradient of binary cross-entropy with a logit",
    "binary_cross_entropy_gradient",
    "derive",
    "log sigma(z)' = sigma(-z) and log(1 - sigma(z))' = -sigma(z); the mean brings 1/B",
)
def check_binary_cross_entropy_gradient(binary_cross_entropy_gradient):
    rng = np.random.default_rng(108)
    for B, soft in [(1, False), (6, False), (5, True)]:
        z = 2 * rng.normal(size=B)
        y = rng.uniform(size=B) if soft else rng.integers(0, 2, size=B).astype(float)
        case = f"binary_cross_entropy_gradient(z, y) with B = {B}" + (
            ", soft targets" if soft else ""
        )
        grad = _call(case, binary_cross_entropy_gradient, z.copy(), y.copy())
        _gradient(case, lambda v: _bce(v, y), z, grad)
    z, y = np.array([1000.0, -1000.0, 30.0]), np.array([0.0, 1.0, 1.0])
    case = "binary_cross_entropy_gradient at z = [1000, -1000, 30]"
    expected = (nnmath.sigmoid(z) - y) / z.size
    _close(_call(case, binary_cross_entropy_gradient, z, y), expected, case)


@exercise(
    "losses.3",
    "a softmax cross-entropy gradient that fits one row only",
    "softmax_cross_entropy_gradient",
    "debug",
    "the loss is a mean over the B rows, so its gradient carries 1/B",
)
def check_softmax_cross_entropy_gradient(softmax_cross_entropy_gradient):
    rng = np.random.default_rng(109)
    for B, C in [(1, 3), (5, 4), (8, 2)]:
        Z = rng.normal(size=(B, C))
        Y = np.eye(C)[rng.integers(0, C, size=B)]
        case = f"softmax_cross_entropy_gradient(Z, Y) with B = {B}, C = {C}"
        dZ = _call(case, softmax_cross_entropy_gradient, Z.copy(), Y.copy())
        _gradient(case, lambda v: nnmath.softmax_cross_entropy(v, Y), Z, dZ)


# --- Backpropagation ------------------------------------------------------------------


@exercise(
    "backprop.1",
    "the backward pass of a tanh layer",
    "dense_backward",
    "implement",
    "dZ = dA * tanh'(Z); then dX = dZ W^T, dW = X^T dZ, db = the column sums of dZ",
)
def check_dense_backward(dense_backward):
    rng = np.random.default_rng(110)
    for B, n, k in [(5, 4, 3), (1, 3, 2), (6, 3, 3)]:
        X, W = rng.normal(size=(B, n)), rng.normal(size=(n, k))
        b, G = rng.normal(size=k), rng.normal(size=(B, k))  # G: random upstream dA
        case = f"dense_backward with B = {B}, n = {n}, k = {k}"
        out = _call(case, dense_backward, X.copy(), W.copy(), b.copy(), G.copy())
        dX, dW, db = _parts(out, case, 3)
        f = lambda X, W, b: np.sum(G * nnmath.tanh(X @ W + b))
        _gradient(f"{case}: dW", lambda v: f(X, v, b), W, dW)
        _gradient(f"{case}: db", lambda v: f(X, W, v), b, db)
        _gradient(f"{case}: dX", lambda v: f(v, W, b), X, dX)


@exercise(
    "backprop.2",
    "a two-layer network whose first layer learns wrongly",
    "two_layer_gradients",
    "debug",
    "dZ1 = dA1 * f'(Z1): an activation's derivative takes the pre-activation",
)
def check_two_layer_gradients(two_layer_gradients):
    rng = np.random.default_rng(111)
    for B, n, H, C in [(6, 4, 5, 3), (1, 3, 2, 2)]:
        X = rng.normal(size=(B, n))
        Y = np.eye(C)[rng.integers(0, C, size=B)]
        W1, b1 = rng.normal(size=(n, H)), rng.normal(size=H)
        W2, b2 = rng.normal(size=(H, C)), rng.normal(size=C)
        case = f"two_layer_gradients with B = {B}, n = {n}, H = {H}, C = {C}"
        args = (X, Y, W1, b1, W2, b2)
        out = _call(case, two_layer_gradients, *(a.copy() for a in args))
        dW1, db1, dW2, db2 = _parts(out, case, 4)

        def loss(W1, b1, W2, b2):
            A1 = nnmath.sigmoid(X @ W1 + b1)
            return nnmath.softmax_cross_entropy(A1 @ W2 + b2, Y)

        _gradient(f"{case}: dW2", lambda v: loss(W1, b1, v, b2), W2, dW2)
        _gradient(f"{case}: db2", lambda v: loss(W1, b1, W2, v), b2, db2)
        _gradient(f"{case}: dW1", lambda v: loss(v, b1, W2, b2), W1, dW1)
        _gradient(f"{case}: db1", lambda v: loss(W1, v, W2, b2), b1, db1)


# --- Gradient descent and Adam --------------------------------------------------------


@exercise(
    "optimizers.1",
    "the largest stable learning rate of a quadratic",
    "largest_stable_learning_rate",
    "derive",
    "along each eigenvector of H a step multiplies the error by 1 - eta lambda: "
    "every |1 - eta lambda| must be below 1",
)
def check_largest_stable_learning_rate(largest_stable_learning_rate):
    rng = np.random.default_rng(112)
    cases = [
        ("H = diag(1, 25)", np.diag([1.0, 25.0])),
        ("H = [[4]]", np.array([[4.0]])),
    ]
    for d in (3, 5):
        Q = np.linalg.qr(rng.normal(size=(d, d)))[0]
        H = Q @ np.diag(rng.uniform(0.5, 30.0, size=d)) @ Q.T
        cases.append((f"a {d} x {d} H that is not diagonal", (H + H.T) / 2))
    for case, H in cases:
        call = f"largest_stable_learning_rate({case})"
        got = _call(call, largest_stable_learning_rate, H.copy())
        _close(got, 2 / np.linalg.eigvalsh(H).max(), f"the rate for {case}", rtol=1e-8)


@exercise(
    "optimizers.2",
    "Adam that goes wrong after its first step",
    "adam_step",
    "debug",
    "the bias correction divides by 1 - beta^t, with t the step number",
)
def check_adam_step(adam_step):
    rng = np.random.default_rng(113)
    for hyper in [
        {"learning_rate": 0.01},
        {"learning_rate": 0.1, "beta1": 0.5, "beta2": 0.9},
    ]:
        shown = ", ".join(f"{key}={value}" for key, value in hyper.items())
        theta = rng.normal(size=(3, 2))
        m, v = np.zeros_like(theta), np.zeros_like(theta)
        reference, adam = theta.copy(), nnmath.Adam(**hyper)
        for t in range(1, 31):
            g = rng.normal(size=theta.shape)
            adam.step([reference], [g])
            case = f"adam_step at t = {t} with {shown}"
            given = theta.copy(), g, m.copy(), v.copy(), t
            out = _call(case, adam_step, *given, **hyper)
            theta, m, v = _parts(out, case, 3)
            theta = _close(theta, reference, f"{case}: theta", rtol=1e-9, atol=1e-12)
            m = _array(m, f"{case}: m", theta.shape)
            v = _array(v, f"{case}: v", theta.shape)


# --- Gradient checking ----------------------------------------------------------------


@exercise(
    "gradcheck.1",
    "central differences",
    "numerical_gradient",
    "implement",
    "(f(x + h e_i) - f(x - h e_i)) / 2h for each entry i, then put x_i back",
)
def check_numerical_gradient(numerical_gradient):
    rng = np.random.default_rng(114)
    G = rng.normal(size=(3, 4))
    cases = [
        (
            "sum(x**3), x of shape (5,)",
            lambda v: np.sum(v**3),
            rng.normal(size=5),
            lambda v: 3 * v**2,
        ),
        (
            "sum(G * tanh(X)), X of shape (3, 4)",
            lambda v: np.sum(G * np.tanh(v)),
            rng.normal(size=(3, 4)),
            lambda v: G * (1 - np.tanh(v) ** 2),
        ),
        (
            "log(sum(exp(x))), x of shape (4,)",
            lambda v: np.log(np.exp(v).sum()),
            rng.normal(size=4),
            lambda v: np.exp(v) / np.exp(v).sum(),
        ),
    ]
    for case, f, x, exact in cases:
        before = x.copy()
        got = _array(_call(case, numerical_gradient, f, x), case, x.shape)
        if not np.array_equal(x, before):
            raise Failed(f"{case}: x is changed after the call; restore each entry")
        error = nnmath.relative_error(got, exact(x))
        if error > TOLERANCE:
            raise Failed(
                f"{case}: relative error {error:.1e} from the exact gradient, above "
                f"{TOLERANCE:g}" + (" (one-sided differences?)" if error < 1e-4 else "")
            )
    # The step is a parameter: for x^3 the central difference is 3 x^2 + h^2 exactly
    # (|x| < 1, so a relative step h max(1, |x|) is h too).
    case = "numerical_gradient(lambda v: np.sum(v**3), x, h=1e-4)"
    x = rng.uniform(-0.9, 0.9, size=3)
    got = _call(case, numerical_gradient, lambda v: np.sum(v**3), x, h=1e-4)
    _close(got, 3 * x**2 + 1e-8, f"{case} (is h used?)", rtol=0, atol=1e-10)


@exercise(
    "gradcheck.2",
    "find the planted bug with a gradient check",
    "linear_backward",
    "debug",
    "on a square layer every shape fits: check dX, dW and db one by one with "
    "nnmath.check_gradient, with a random upstream gradient",
)
def check_linear_backward(linear_backward):
    rng = np.random.default_rng(115)
    for B, n, k in [(5, 4, 4), (3, 4, 2), (1, 2, 3)]:
        X, W = rng.normal(size=(B, n)), rng.normal(size=(n, k))
        b, G = rng.normal(size=k), rng.normal(size=(B, k))  # G: random upstream dZ
        case = f"linear_backward with B = {B}, n = {n}, k = {k}"
        dX, dW, db = _parts(
            _call(case, linear_backward, X.copy(), W.copy(), G.copy()), case, 3
        )
        f = lambda X, W, b: np.sum(G * (X @ W + b))
        _gradient(f"{case}: dX", lambda v: f(v, W, b), X, dX)
        _gradient(f"{case}: dW", lambda v: f(X, v, b), W, dW)
        _gradient(f"{case}: db", lambda v: f(X, W, v), b, db)
