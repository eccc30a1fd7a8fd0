r"""The training loop: one-hot targets, mini-batches, one step, one epoch, accuracy."""

from __future__ import annotations

import numpy as np

from ._validation import (
    as_float_array,
    check_activation,
    check_count,
    check_distribution,
    check_finite,
    check_ndim,
    check_not_empty,
    check_rng,
    guarded,
)
from .layers import Dense, Sequential, _model_input
from .losses import softmax_cross_entropy_and_gradient
from .optimizers import SGD, Adam, check_state_fits

__all__ = ["one_hot", "accuracy", "minibatches", "mlp", "train_step", "train_epoch"]


def _labels(labels, num_classes):
    num_classes = check_count(num_classes, "num_classes")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
    check_ndim(labels, "labels", (1,))
    if labels.size and labels.min() < 0:
        raise ValueError(f"labels must be >= 0, got {labels.min()}")
    if labels.size and labels.max() >= num_classes:
        raise ValueError(
            f"labels must be < num_classes={num_classes}, got {labels.max()}"
        )
    return labels, num_classes


def _one_hot_args(labels, num_classes):
    return _labels(labels, num_classes)


@guarded(_one_hot_args)
def one_hot(labels, num_classes):
    r"""Encode integer class labels as one-hot rows.

    Parameters
    ----------
    labels : array_like of int, shape (batch,)
        Values in ``0 .. num_classes - 1``.
    num_classes : int
        Number of classes $C$.

    Returns
    -------
    numpy.ndarray of float64, shape (batch, num_classes)
        $Y_{ic} = 1$ if ``labels[i] == c`` else 0.

    Raises
    ------
    TypeError
        If ``labels`` are not integers.
    ValueError
        If ``labels`` is not 1-D, a label is out of range, or ``num_classes``
        is not a positive integer.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.2.2.3.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import one_hot

    assert np.array_equal(one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    ```
    """
    Y = np.zeros((labels.size, num_classes))
    Y[np.arange(labels.size), labels] = 1.0
    return Y


def _scores_and_labels(scores, labels):
    scores = as_float_array(scores, "scores")
    check_ndim(scores, "scores", (2,))
    check_not_empty(scores, "scores")
    check_finite(scores, "scores")
    labels, _ = _labels(labels, scores.shape[1])
    if labels.shape[0] != scores.shape[0]:
        raise ValueError(
            f"scores has {scores.shape[0]} rows but labels has {labels.shape[0]}"
        )
    return scores, labels


@guarded(_scores_and_labels)
def accuracy(scores, labels):
    r"""Fraction of rows whose highest score is at the true label.

    Parameters
    ----------
    scores : array_like of float, shape (batch, classes)
        Logits or probabilities (the argmax is the same).
    labels : array_like of int, shape (batch,)

    Returns
    -------
    float
        In $[0, 1]$.

    Raises
    ------
    TypeError
        If ``scores`` are not real numbers or ``labels`` are not integers.
    ValueError
        If the shapes do not fit together, a label is out of range, or
        ``scores`` is empty or holds NaN or an infinity.

    Examples
    --------
    ```python
    from nnmath import accuracy

    assert accuracy([[0.1, 0.9], [0.8, 0.2]], [1, 1]) == 0.5
    ```
    """
    return float(np.mean(np.argmax(scores, axis=1) == labels))


def _batching(n, batch_size, rng):
    n = check_count(n, "n", minimum=0)
    return n, check_count(batch_size, "batch_size"), check_rng(rng)


@guarded(_batching)
def minibatches(n, batch_size, rng):
    r"""Shuffle ``range(n)`` and cut it into index arrays of at most ``batch_size``.

    Parameters
    ----------
    n : int
        Number of samples.
    batch_size : int
        Largest batch; the last one may be smaller.
    rng : numpy.random.Generator
        Source of the shuffle.

    Returns
    -------
    list of numpy.ndarray of int
        Disjoint index arrays that together cover ``range(n)`` once.

    Raises
    ------
    ValueError
        If ``n`` is not a non-negative integer or ``batch_size`` is not a
        positive integer.
    TypeError
        If ``rng`` is not a ``numpy.random.Generator``.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import minibatches

    batches = minibatches(10, 4, np.random.default_rng(0))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches)) == list(range(10))
    ```
    """
    order = rng.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def _network(sizes, activation, rng):
    if not isinstance(sizes, (list, tuple)):
        raise TypeError(
            "sizes must be a list of layer widths such as [64, 32, 10], "
            f"got {type(sizes).__name__}"
        )
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"sizes needs at least an input and an output width, got {sizes}"
        )
    for k, n in enumerate(sizes):
        check_count(n, "in_features" if k == 0 else "out_features")
    return sizes, check_activation(activation), check_rng(rng)


@guarded(_network)
def mlp(sizes, activation, rng):
    r"""A multi-layer perceptron: ``Dense`` layers with ``activation``, linear output.

    Parameters
    ----------
    sizes : sequence of int
        Widths ``[in_features, hidden_1, ..., out_features]``, at least two.
    activation : str or None
        Hidden-layer activation, required: ``"relu"``, ``"sigmoid"``, ``"tanh"``, or
        ``None`` for the identity (a purely affine network).
        The last layer has none: it outputs logits.
    rng : numpy.random.Generator
        Initializes every layer.

    Returns
    -------
    Sequential

    Raises
    ------
    ValueError
        If fewer than two sizes are given, a width is not a positive integer, or
        a hidden layer's activation is unknown.
    TypeError
        If ``rng`` is not a ``numpy.random.Generator``.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import mlp

    model = mlp([64, 32, 10], "relu", np.random.default_rng(0))
    assert model.forward(np.zeros((5, 64))).shape == (5, 10)
    ```
    """
    acts = [activation] * (len(sizes) - 2) + [None]
    layers = [Dense(a, b, act, rng) for a, b, act in zip(sizes, sizes[1:], acts)]
    return Sequential(layers)


def _step_inputs(model, optimizer, X, Y, *, check_values=False):
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a Sequential, got {type(model).__name__}")
    if not isinstance(optimizer, (SGD, Adam)):
        raise TypeError(
            f"optimizer must be an SGD or Adam, got {type(optimizer).__name__}"
        )
    # shape, dtype and finiteness of the batch; no copy: the step uses X and lets go
    _, X = _model_input(model, X, keep=False)
    Y = as_float_array(Y, "y_true")
    expected = (X.shape[0], model.layers[-1].weights.shape[1])
    if Y.shape != expected:
        raise ValueError(
            "logits and y_true must have the same shape, "
            f"got logits.shape={expected} and y_true.shape={Y.shape}"
        )
    if check_values:
        check_finite(Y, "y_true")
        check_distribution(Y)
    check_state_fits(optimizer, model.parameters())
    return model, optimizer, X, Y.astype(X.dtype, copy=False)


@guarded(_step_inputs)
def train_step(model, optimizer, X, Y):
    r"""One optimization step on one mini-batch; returns the loss before the update.

    Parameters
    ----------
    model : Sequential
        Outputs logits of shape ``(batch, classes)``.
    optimizer : SGD or Adam
    X : numpy.ndarray of float, shape (batch, in_features)
    Y : numpy.ndarray of float, shape (batch, classes)
        One-hot (or soft) targets.

    Returns
    -------
    float
        Mean softmax cross-entropy over the batch.

    Raises
    ------
    TypeError
        If ``model`` is not a [`Sequential`][nnmath.Sequential], ``optimizer`` is not
        [`SGD`][nnmath.SGD] or [`Adam`][nnmath.Adam], or ``X`` has another dtype than
        the model.
    ValueError
        If the shapes disagree, ``X`` holds NaN or an infinity, the optimizer was
        stepped before with other parameters, or the loss is not finite (NaN in the
        targets or the weights, or an overflow): then no weight has changed.

    Notes
    -----
    The checks cost a few attribute reads plus one pass over ``X`` for NaN, small
    next to the matrix products. The values of ``Y`` are not scanned on every step:
    [`train_epoch`][nnmath.train_epoch] checks all targets once per epoch.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 8.1.3 (mini-batch algorithms).

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import Adam, mlp, one_hot, train_step

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(8, 4)), one_hot(rng.integers(0, 3, size=8), 3)
    model, opt = mlp([4, 16, 3], "relu", rng), Adam(learning_rate=0.01)
    losses = [train_step(model, opt, X, Y) for _ in range(50)]
    assert losses[-1] < losses[0]
    ```
    """
    logits = model.forward(X)  # forward pass: (batch, classes)
    loss, dZ = softmax_cross_entropy_and_gradient(logits, Y)  # one log-softmax for both
    model.backward(dZ)  # backward pass: fills every dW and db
    optimizer.step(model.parameters(), model.gradients())  # one time step
    return loss


def _epoch_inputs(model, optimizer, X, Y, batch_size, rng):
    for value, name in ((X, "X"), (Y, "Y")):
        if not hasattr(value, "__len__"):  # a scalar, or a generator read only once
            raise TypeError(
                f"{name} must be an array of shape (samples, features), "
                f"got {type(value).__name__}"
            )
    if len(X) != len(Y):
        raise ValueError(f"X has {len(X)} rows but Y has {len(Y)}")
    check_not_empty(np.asarray(X), "X")
    model, optimizer, X, Y = _step_inputs(model, optimizer, X, Y, check_values=True)
    return model, optimizer, X, Y, *_batching(len(X), batch_size, rng)[1:]


@guarded(_epoch_inputs)
def train_epoch(model, optimizer, X, Y, batch_size, rng):
    r"""One pass over the data in shuffled mini-batches; returns the mean batch loss.

    Parameters
    ----------
    model : Sequential
    optimizer : SGD or Adam
    X : numpy.ndarray of float, shape (n, in_features)
    Y : numpy.ndarray of float, shape (n, classes)
        One-hot targets.
    batch_size : int
    rng : numpy.random.Generator
        Shuffles the samples.

    Returns
    -------
    float
        Mean of the per-batch losses, weighted by batch size.

    Raises
    ------
    TypeError, ValueError
        As for [`train_step`][nnmath.train_step]; ValueError also if ``X`` and ``Y``
        have different numbers of rows, ``X`` is empty, ``Y`` holds NaN, an infinity
        or a row that is not a distribution, or ``batch_size`` is not a positive
        integer. The whole data set is checked once, before the first step.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import Adam, mlp, one_hot, train_epoch

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 4)), one_hot(rng.integers(0, 2, size=20), 2)
    model, opt = mlp([4, 8, 2], "tanh", rng), Adam(learning_rate=0.05)
    first = train_epoch(model, opt, X, Y, batch_size=8, rng=rng)
    for _ in range(20):
        last = train_epoch(model, opt, X, Y, batch_size=8, rng=rng)
    assert last < first
    ```
    """
    total = 0.0
    for idx in minibatches(len(X), batch_size, rng):
        total += train_step(model, optimizer, X[idx], Y[idx]) * len(idx)
    return total / len(X)
