"""Input checks, and the decorator that runs them once, at the boundary.

The teaching code stays short because the checks live here. Each check raises a
``TypeError`` or ``ValueError`` whose message names the argument and the shape or
value at fault, so a mistake fails loudly instead of being broadcast away.

What a check costs decides where it runs. Shape, dtype and type checks cost a few
attribute reads, whatever the size of the array; they run once, on the call made from
the user's code. Scanning an array for NaN costs as much as an element-wise operation
on it: ``train_step`` scans its batch ``X`` once and not its targets. What keeps NaN out
of the weights is a check of a result, not of the inputs: the loss is one number, and
``softmax_cross_entropy_and_gradient`` refuses a loss that is not finite on every call,
nested or not, so ``train_step`` stops before any weight changes (a NaN or an overflow
anywhere in the batch, the targets or the weights reaches the loss).
"""

from __future__ import annotations

import contextvars
import functools
import inspect

import numpy as np

__all__: list[str] = []

ACTIVATIONS = ("relu", "sigmoid", "tanh", None)

FLOAT_POLICY = (
    "nnmath computes in float32 or float64 (float16 cannot hold cross_entropy's clip "
    "1e-15 or Adam's epsilon 1e-8); convert with .astype(np.float32)"
)


def as_float_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a floating-point array without copying when possible.

    float32 and float64 inputs keep their dtype (no silent upcast; a non-native byte
    order becomes native); integer and boolean inputs become float64. float16 and
    extended precision are refused (TypeError), as are complex, object, string and
    ragged inputs.
    """
    try:
        arr = np.asarray(x)
    except ValueError as err:  # a ragged nested list: [[1, 2], [3]]
        raise ValueError(
            f"{name} must be a rectangular array of numbers: {err}"
        ) from None
    if arr.dtype.kind == "f" and arr.dtype.itemsize in (4, 8):  # float32, float64
        if not arr.dtype.isnative:  # big-endian data from a file: same values, native
            return arr.astype(arr.dtype.newbyteorder("="))
        return arr
    if arr.dtype.kind == "f":
        raise TypeError(f"{name} has dtype {arr.dtype}: {FLOAT_POLICY}")
    if arr.dtype.kind in "iub":
        return arr.astype(np.float64)
    raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")


def check_ndim(arr: np.ndarray, name: str, allowed: tuple[int, ...]) -> None:
    """Raise ValueError unless ``arr.ndim`` is one of ``allowed``."""
    if arr.ndim not in allowed:
        want = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(f"{name} must be {want}, got shape {arr.shape}")


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ValueError unless ``a`` and ``b`` have exactly the same shape.

    NumPy would broadcast a column ``(n, 1)`` against a vector ``(n,)`` into an
    ``(n, n)`` matrix and return a wrong number without complaint; we refuse.
    """
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, "
            f"got {name_a}.shape={a.shape} and {name_b}.shape={b.shape}"
        )


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise ValueError if ``arr`` holds NaN or an infinity."""
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = tuple(int(i) for i in bad)
        raise ValueError(f"{name} must be finite, found {arr[where]} at index {where}")


def check_not_empty(arr: np.ndarray, name: str) -> None:
    """Raise ValueError if ``arr`` has no elements (a mean over nothing is NaN)."""
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")


def check_count(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int; raise ValueError unless it is an int >= ``minimum``.

    ``True`` and ``2.0`` are refused: a width, a batch size or an epoch count is a whole
    number.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or value < minimum
    ):
        kind = "a positive integer" if minimum == 1 else "a non-negative integer"
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return int(value)


def check_positive(value, name: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number > 0."""
    value = check_real(value, name)
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def check_unit_interval(value, name: str) -> float:
    """Return ``value`` as a float, or raise unless ``0 <= value < 1``."""
    value = check_real(value, name)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def check_real(value, name: str) -> float:
    """Return ``value`` as a finite Python float, or raise TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_distribution(y_true):
    """Targets must be probability vectors: entries in [0, 1], each row summing to 1."""
    if np.any(y_true < 0) or np.any(y_true > 1):
        raise ValueError(
            "y_true must hold probabilities in [0, 1], "
            f"got values from {y_true.min()} to {y_true.max()}"
        )
    sums = y_true.sum(axis=-1)
    tol = 1e-6 if y_true.dtype == np.float64 else 1e-3
    if not np.allclose(sums, 1.0, rtol=0, atol=tol):
        worst = sums.flat[np.argmax(np.abs(sums - 1))]
        raise ValueError(
            "each row of y_true must sum to 1 (one-hot or soft labels), "
            f"found a row summing to {worst}"
        )


def check_rng(rng, name: str = "rng") -> np.random.Generator:
    """Return ``rng``, or raise TypeError unless it is a ``numpy.random.Generator``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator, got {type(rng).__name__}"
        )
    return rng


def check_activation(activation):
    """Return ``activation``, or raise ValueError unless it names a known activation."""
    if activation not in ACTIVATIONS:
        raise ValueError(
            "activation must be one of 'relu', 'sigmoid', 'tanh' or None, "
            f"got {activation!r}"
        )
    return activation


def check_float_dtype(dtype) -> np.dtype:
    """Return ``np.dtype(dtype)``; raise TypeError unless it is float32 or float64."""
    if np.dtype(dtype).kind != "f":
        raise TypeError(
            f"dtype must be a float dtype such as np.float64, got {np.dtype(dtype)}"
        )
    if np.dtype(dtype).itemsize not in (4, 8):
        raise TypeError(f"dtype is {np.dtype(dtype)}: {FLOAT_POLICY}")
    return np.dtype(dtype)


def _largest_magnitudes(math, args):
    """``"X 1e+300, W 2"``: the largest |value| of each array argument, by name."""
    names = list(inspect.signature(math).parameters)
    parts = []
    for name, arg in zip(names, args):
        arrays = arg if isinstance(arg, (list, tuple)) else [arg]
        arrays = [a for a in arrays if isinstance(a, np.ndarray) and a.size]
        arrays = [a for a in arrays if a.dtype.kind in "fiu"]
        if arrays:
            with np.errstate(all="ignore"):
                top = max(float(np.abs(a).max()) for a in arrays)
            parts.append(f"{name} {top:.3g}")
    return ", ".join(parts)


def overflow_error(math, args, err):
    """The ValueError that replaces NumPy's overflow warning at the boundary."""
    sizes = _largest_magnitudes(math, args)
    held = f"; the largest |value| of each input: {sizes}" if sizes else ""
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    floats = [a.dtype for a in arrays if a.dtype.kind == "f"]
    dtype = min(floats, key=lambda d: d.itemsize, default=np.dtype(np.float64))
    return ValueError(
        f"{math.__qualname__}: {err}: a result went beyond the {dtype} range "
        f"(+-{np.finfo(dtype).max:.3g}){held}; scale the input down"
    )


# --- the boundary ---------------------------------------------------------------------

_inside = contextvars.ContextVar("nnmath_inside_a_public_call", default=False)


def guarded(check, *, calls_user_code=False, result=None):
    """Decorate a public function or method so that ``check`` guards its input once.

    ``check`` takes the same arguments as the decorated function, raises ``TypeError``
    or ``ValueError`` with a message naming the argument at fault, and returns the
    arguments, converted, as a tuple. It runs only on the outermost nnmath call: while
    a public call runs, the public functions it calls in turn (``Dense.forward``
    calling ``linear``, ``train_step`` calling the model, the loss and the optimizer)
    skip their checks, because their caller has already checked what they receive.
    So each page's listing is the math, and the checks cost once per call from the
    user's code, not once per layer.

    A function that runs the user's code (``numerical_gradient`` calls ``f``) passes
    ``calls_user_code=True``: calls made inside it are checked again.

    ``result``, if given, checks what the function returns, on every call, nested or
    not: it must cost little next to the function (the loss, one number, is checked
    this way).

    The outermost call runs under ``np.errstate(over="raise")``: where finite input
    would overflow (a product or a square beyond the float range, $10^{200}$ squared),
    the call raises ``ValueError`` naming the function, the operation and the largest
    input magnitudes, instead of a ``RuntimeWarning`` and an infinity. Code that means
    to overflow (a softmax gap beyond the range) says so with its own ``np.errstate``.
    """

    def decorate(math):
        @functools.wraps(math)
        def public(*args, **kwargs):
            if _inside.get():
                value = math(*args, **kwargs)
            elif calls_user_code:
                value = math(*check(*args, **kwargs))
            else:
                with np.errstate(over="raise"):  # finite input never warns: see above
                    try:
                        args = check(*args, **kwargs)
                        token = _inside.set(True)
                        try:
                            value = math(*args)
                        finally:
                            _inside.reset(token)
                    except FloatingPointError as err:
                        raise overflow_error(math, args, err) from None
            if result is not None:
                result(value)
            return value

        public.check = check
        return public

    return decorate
