r"""Train a small network on handwritten digits: the site's end-to-end example.

``python examples/train_digits.py`` trains the network of the "Putting it all together"
page and prints its test accuracy. The page shows this file whole and runs it at every
build (through ``nnmath_site.examples.load_example``); ``tests/test_training.py`` tests
it.

The data are the 1,797 real 8x8 grey-scale images bundled with scikit-learn
(``sklearn.datasets.load_digits``; nothing is downloaded). scikit-learn and
threadpoolctl come with the ``docs`` extra, ``pip install -e ".[docs]"``; nnmath itself
needs NumPy alone.
"""

from __future__ import annotations

import numpy as np
from nnmath import Adam, accuracy, mlp, one_hot, softmax_cross_entropy, train_epoch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

NUM_PIXELS = 64  # 8 x 8 images, flattened row by row
NUM_CLASSES = 10  # the digits 0 to 9


def load_digits_split(test_size=0.25, seed=0):
    r"""Load the digits, scale the pixels to $[0, 1]$, split them stratified by class.

    Parameters
    ----------
    test_size : float, default 0.25
        Fraction of the 1,797 images held out for testing.
    seed : int, default 0
        ``random_state`` of the split: the same seed gives the same split.

    Returns
    -------
    dict of numpy.ndarray
        ``X_train`` and ``X_test`` of float64 with shape ``(n, 64)`` and values in
        $[0, 1]$; ``y_train`` and ``y_test`` of int with shape ``(n,)`` and values
        ``0 .. 9``.

    Notes
    -----
    Each pixel is an ink count from 0 to 16, so dividing by 16 maps it to $[0, 1]$, the
    scale He initialization assumes for its inputs. Stratifying keeps every digit's
    share the same in both parts.

    References
    ----------
    Alpaydin and Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
    Learning Repository (1998), the source of scikit-learn's copy.
    """
    X, y = load_digits(return_X_y=True)
    X = X / 16.0  # ink counts 0..16 -> [0, 1]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    return {"X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test}


def train_digits(hidden=64, epochs=30, batch_size=32, learning_rate=0.01, seed=0):
    r"""Train a 64 -> ``hidden`` -> 10 ReLU network with Adam on the digits.

    Parameters
    ----------
    hidden : int, default 64
        Width of the single hidden layer.
    epochs : int, default 30
        Passes over the training set.
    batch_size : int, default 32
        Mini-batch size.
    learning_rate : float, default 0.01
        Adam's step size $\eta$.
    seed : int, default 0
        Seeds the split, the initial weights and the shuffling: one seed, one run.

    Returns
    -------
    model : nnmath.Sequential
        The trained network; ``model.forward(X)`` returns logits of shape ``(n, 10)``.
    history : dict of list of float
        ``train_loss``, ``test_loss``, ``train_accuracy`` and ``test_accuracy``, each
        with ``epochs + 1`` entries: before training, then after every epoch. Losses are
        the mean softmax cross-entropy over the whole set.
    data : dict of numpy.ndarray
        The split from ``load_digits_split``.

    Raises
    ------
    ValueError
        If ``epochs`` is not a non-negative integer; nnmath raises for a bad ``hidden``,
        ``batch_size`` or ``learning_rate``.

    Notes
    -----
    Every mini-batch step is ``nnmath.train_step``: logits
    $Z_2 = \operatorname{ReLU}(XW_1 + \mathbf{b}_1)W_2 + \mathbf{b}_2$, loss
    $L = \operatorname{CE}(\operatorname{softmax}(Z_2), Y)$, a backward pass, an Adam
    step.

    References
    ----------
    Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015;
    Goodfellow et al., *Deep Learning* (2016), section 8.1.3.
    """
    _check_epochs(epochs)
    data = load_digits_split(seed=seed)
    rng = np.random.default_rng(seed)
    model = mlp([NUM_PIXELS, hidden, NUM_CLASSES], "relu", rng)
    optimizer = Adam(learning_rate=learning_rate)
    Y_train = one_hot(data["y_train"], NUM_CLASSES)
    Y_test = one_hot(data["y_test"], NUM_CLASSES)

    history = {
        "train_loss": [],
        "test_loss": [],
        "train_accuracy": [],
        "test_accuracy": [],
    }

    def evaluate():
        for part, Y in (("train", Y_train), ("test", Y_test)):
            logits = model.forward(data[f"X_{part}"])
            history[f"{part}_loss"].append(softmax_cross_entropy(logits, Y))
            history[f"{part}_accuracy"].append(accuracy(logits, data[f"y_{part}"]))

    # Tiny matrices: one BLAS thread is faster than several that must synchronize.
    with threadpool_limits(limits=1, user_api="blas"):
        evaluate()  # epoch 0: the untrained network
        for _ in range(epochs):
            train_epoch(model, optimizer, data["X_train"], Y_train, batch_size, rng)
            evaluate()
    return model, history, data


def _check_epochs(epochs):
    """Raise ValueError unless ``epochs`` is an int >= 0 (``True`` and 2.0 are not)."""
    if (
        isinstance(epochs, bool)
        or not isinstance(epochs, (int, np.integer))
        or epochs < 0
    ):
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")


if __name__ == "__main__":
    model, history, data = train_digits()
    epochs = len(history["test_accuracy"]) - 1
    print(f"test accuracy after {epochs} epochs: {history['test_accuracy'][-1]:.1%}")
