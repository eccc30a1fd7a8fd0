"""A 64-32-10 ReLU network on the digits in NumPy alone: the nnmath site in one file.

``python nnmath_standalone.py --epochs 20``; scikit-learn only provides the data.
"""

import argparse

import numpy as np
from sklearn.datasets import load_digits


def load_data(rng, test_fraction=0.25):
    """Pixels scaled to [0, 1] by /16; a seeded shuffle picks the test rows."""
    X, y = load_digits(return_X_y=True)
    test, train = np.split(rng.permutation(len(X)), [int(test_fraction * len(X))])
    return X[train] / 16.0, y[train], X[test] / 16.0, y[test]


def init_params(rng, n=64, h=32, c=10):
    """He N(0, 2/n_in) for the ReLU layer, Glorot U(-a, a) for the logits, b = 0."""
    W1 = rng.standard_normal((n, h)) * np.sqrt(2.0 / n)
    W2 = rng.uniform(-1.0, 1.0, size=(h, c)) * np.sqrt(6.0 / (h + c))  # U(-a, a)
    return {"W1": W1, "b1": np.zeros(h), "W2": W2, "b2": np.zeros(c)}


def forward(params, X):
    """Logits Z2 of shape (B, C) and the cache the backward pass needs."""
    Z1 = X @ params["W1"] + params["b1"]  # (B, H)
    A1 = np.maximum(Z1, 0.0)  # ReLU
    Z2 = A1 @ params["W2"] + params["b2"]  # (B, C)
    return Z2, (X, Z1, A1, Z2)


def softmax_cross_entropy(Z, Y):
    """Mean over rows of -sum Y log softmax(Z), and the gradient (softmax(Z) - Y)/B."""
    shifted = Z - Z.max(axis=1, keepdims=True)  # max subtracted: exp cannot overflow
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.sum(Y * log_p) / len(Z), (np.exp(log_p) - Y) / len(Z)


def backward(params, cache, Y):
    """dW1, db1, dW2, db2: one line per rule of the Backpropagation page."""
    X, Z1, A1, Z2 = cache
    dZ2 = softmax_cross_entropy(Z2, Y)[1]  # fused softmax + cross-entropy
    dA1 = dZ2 @ params["W2"].T
    dZ1 = dA1 * (Z1 > 0)  # ReLU'(z) = 1 if z > 0 else 0
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": A1.T @ dZ2, "b2": dZ2.sum(0)}


def gradient_check(params, X, Y, rng, entries=5, h=1e-6):
    """Relative error of backward against central differences on a few entries each."""
    grads = backward(params, forward(params, X)[1], Y)
    loss = lambda: softmax_cross_entropy(forward(params, X)[0], Y)[0]
    errors = {}
    for name, p in params.items():
        flat = p.reshape(-1)  # a view: writing flat[i] changes p
        picks = rng.choice(p.size, size=entries, replace=False)
        numeric = []
        for i in picks:
            original = flat[i]
            flat[i] = original + h
            plus = loss()
            flat[i] = original - h
            numeric.append((plus - loss()) / (2 * h))
            flat[i] = original  # put it back exactly
        a, b = grads[name].reshape(-1)[picks], np.array(numeric)
        norms = np.linalg.norm(a) + np.linalg.norm(b)  # 0 only if both are 0
        errors[name] = np.linalg.norm(a - b) / norms if norms else 0.0
    return errors


def train(params, X, Y, rng, epochs=20, batch_size=32, lr=0.01, beta1=0.9, beta2=0.999):
    """Adam on shuffled mini-batches; t advances once per step, for every parameter."""
    m, v, t = dict.fromkeys(params, 0.0), dict.fromkeys(params, 0.0), 0  # m0 = v0 = 0
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start : start + batch_size]
            grads = backward(params, forward(params, X[rows])[1], Y[rows])
            t += 1
            for k, p in params.items():
                m[k] = beta1 * m[k] + (1 - beta1) * grads[k]
                v[k] = beta2 * v[k] + (1 - beta2) * grads[k] ** 2
                m_hat, v_hat = m[k] / (1 - beta1**t), v[k] / (1 - beta2**t)
                p -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)  # epsilon outside the root
    return params


def main(epochs=20, seed=0):
    """Check the gradients, train, print and return the test accuracy."""
    rng = np.random.default_rng(seed)
    X_train, y_train, X_test, y_test = load_data(rng)
    Y_train = np.eye(10)[y_train]  # one-hot rows
    params = init_params(rng)
    errors = gradient_check(params, X_train[:32], Y_train[:32], rng)
    print("gradient check:", ", ".join(f"d{k} {e:.1e}" for k, e in errors.items()))
    assert max(errors.values()) < 1e-6, errors
    train(params, X_train, Y_train, rng, epochs)
    test_accuracy = np.mean(forward(params, X_test)[0].argmax(axis=1) == y_test)
    print(f"test accuracy after {epochs} epochs: {test_accuracy:.1%}")
    return test_accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Train a 64-32-10 net on the digits.")
    parser.add_argument("--epochs", type=int, default=20, help="passes over the data")
    main(parser.parse_args().epochs)
