r"""Train a small network on scikit-learn's handwritten digits, the site's end-to-end example.

The data are the 1,797 real 8x8 grey-scale images bundled with scikit-learn
(``sklearn.datasets.load_digits``; nothing is downloaded). scikit-learn is
imported inside the functions because it belongs to the ``docs`` and ``test``
extras, not to the core package: ``import nnmath`` needs NumPy alone, and this
module is therefore not re-exported by ``nnmath``. Import it as
``from nnmath.digits import train_digits``.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_count
from .losses import softmax_cross_entropy
from .optimizers import Adam
from .training import accuracy, mlp, one_hot, train_epoch

__all__ = ["load_digits_split", "train_digits"]

NUM_PIXELS = 64  # 8 x 8 images, flattened row by row
NUM_CLASSES = 10  # the digits 0 to 9


# --8<-- [start:load_digits_split]
def load_digits_split(test_size=0.25, seed=0):
    # --8<-- [end:load_digits_split]
    r"""Load the digits, scale the pixels to $[0, 1]$ and split them, stratified by class.

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

    Raises
    ------
    ImportError
        If scikit-learn is not installed (``pip install nnmath[docs]``).

    Notes
    -----
    Each pixel is an ink count from 0 to 16, so dividing by 16 maps it to
    $[0, 1]$, the scale He initialization assumes for its inputs. Stratifying
    keeps every digit's share the same in both parts.

    References
    ----------
    Alpaydin and Kaynak, "Optical Recognition of Handwritten Digits", UCI
    Machine Learning Repository (1998), the source of scikit-learn's copy.

    Examples
    --------
    ```python
    from sklearn.datasets import load_digits
    from nnmath.digits import load_digits_split

    assert load_digits().data.max() == 16  # raw ink counts
    data = load_digits_split()
    assert data["X_train"].shape == (1347, 64) and data["X_test"].shape == (450, 64)
    assert 0.0 <= data["X_train"].min() and data["X_train"].max() <= 1.0
    ```
    """
    # --8<-- [start:load_digits_split-2]
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0  # ink counts 0..16 -> [0, 1]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    return {"X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test}


# --8<-- [end:load_digits_split-2]


# --8<-- [start:train_digits]
def train_digits(hidden=64, epochs=30, batch_size=32, learning_rate=0.01, seed=0):
    # --8<-- [end:train_digits]
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
    model : Sequential
        The trained network; ``model.forward(X)`` returns logits of shape ``(n, 10)``.
    history : dict of list of float
        ``train_loss``, ``test_loss``, ``train_accuracy`` and ``test_accuracy``,
        each with ``epochs + 1`` entries: before training, then after every epoch.
        Losses are the mean softmax cross-entropy over the whole set.
    data : dict of numpy.ndarray
        The split from [`load_digits_split`][nnmath.digits.load_digits_split].

    Raises
    ------
    ImportError
        If scikit-learn is not installed.
    ValueError
        If ``hidden`` or ``batch_size`` is not a positive integer, or ``epochs`` is negative.

    Notes
    -----
    Every mini-batch step is [`train_step`][nnmath.train_step]: logits
    $Z_2 = \operatorname{ReLU}(XW_1 + \mathbf{b}_1)W_2 + \mathbf{b}_2$, loss
    $L = \operatorname{CE}(\operatorname{softmax}(Z_2), Y)$, backward pass, one Adam step.

    References
    ----------
    Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015;
    Goodfellow et al., *Deep Learning* (2016), section 8.1.3.

    Examples
    --------
    ```python
    from nnmath.digits import train_digits

    model, history, data = train_digits(hidden=16, epochs=2)
    assert len(history["test_accuracy"]) == 3
    assert history["train_loss"][-1] < history["train_loss"][0]
    ```
    """
    # --8<-- [start:train_digits-2]
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    check_count(epochs, "epochs", minimum=0)
    data = load_digits_split(seed=seed)
    rng = np.random.default_rng(seed)
    model = mlp([NUM_PIXELS, hidden, NUM_CLASSES], "relu", rng)
    optimizer = Adam(learning_rate=learning_rate)
    Y_train = one_hot(data["y_train"], NUM_CLASSES)
    Y_test = one_hot(data["y_test"], NUM_CLASSES)

    history = {"train_loss": [], "test_loss": [], "train_accuracy": [], "test_accuracy": []}

    def evaluate():
        for part, Y in (("train", Y_train), ("test", Y_test)):
            logits = model.forward(data[f"X_{part}"])
            history[f"{part}_loss"].append(softmax_cross_entropy(logits, Y))
            history[f"{part}_accuracy"].append(accuracy(logits, data[f"y_{part}"]))

    # The matrices are tiny: one BLAS thread is faster than several that must synchronize.
    with threadpool_limits(limits=1, user_api="blas"):
        evaluate()  # epoch 0: the untrained network
        for _ in range(epochs):
            train_epoch(model, optimizer, data["X_train"], Y_train, batch_size, rng)
            evaluate()
    return model, history, data


# --8<-- [end:train_digits-2]
