"""Input checks shared by every public function.

The teaching code stays short because the checks live here. Each check raises a
``TypeError`` or ``ValueError`` whose message names the argument and the shape or
value at fault, so a mistake fails loudly instead of being broadcast away.
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []


def as_float_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a floating-point array without copying when possible.

    float16/float32/float64 inputs keep their dtype (no silent upcast); integer and
    boolean inputs become float64. Complex, object and string inputs raise TypeError.
    """
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        return arr
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
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = tuple(int(i) for i in bad)
        raise ValueError(f"{name} must be finite, found {arr[where]} at index {where}")


def check_not_empty(arr: np.ndarray, name: str) -> None:
    """Raise ValueError if ``arr`` has no elements (a mean over nothing is NaN)."""
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")


def check_count(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise ValueError unless it is an integer >= ``minimum``.

    ``True`` and ``2.0`` are refused: a width, a batch size or an epoch count is a whole number.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
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
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value
