r"""How fast is nnmath? Its train step against lean NumPy, PyTorch and scikit-learn.

Run from the repository root (not by pytest; the site's Performance page calls the
functions below with small repeat counts while it builds):

    .venv/bin/python benchmarks/speed.py            # the full tables (about half a minute)
    .venv/bin/python benchmarks/speed.py --quick    # fewer repeats (about ten seconds)
    .venv/bin/python benchmarks/speed.py --json     # the same results as JSON

Method. Every measurement runs with one BLAS thread (``threadpoolctl.threadpool_limits(1)``)
and one PyTorch thread, so the numbers compare code, not core counts. Contenders are
interleaved in one process: each repeat times a block of calls of every contender in
turn (the first one rotates), so a slow moment of the machine hits all of them alike.
Each contender is warmed up first; the time reported is the best block per call
(``time.perf_counter``), the usual choice for short code on a shared machine.

The three train steps start from the same weights and do the same arithmetic:
``tests/test_benchmarks.py`` checks that they return the same loss and the same updated
parameters. Only the public API of nnmath is used.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import inspect
import json
import math
import os
import platform
import statistics
import sys
import textwrap
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

if (
    __name__ == "__main__"
):  # `python benchmarks/speed.py` measures the nnmath next to it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nnmath  # noqa: E402

try:
    import torch
except ImportError:  # the torch column then says so; nothing else needs it
    torch = None

# (widths, batch size, target for nnmath time / lean time)
CONFIGS = [
    ([64, 32, 10], 32, 1.3),
    ([784, 256, 10], 128, 1.1),
    ([1024, 1024, 1024, 10], 512, 1.1),
]
DTYPES = ("float32", "float64")
DIGITS_TARGETS = {"ratio": 0.65, "accuracy": 0.97}  # nnmath/sklearn time; test accuracy
LEARNING_RATE = 1e-3


# ---------------------------------------------------------------------------- machine


def machine():
    """One line: CPU model, core count, Python, NumPy and the BLAS NumPy calls."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = " ".join(line.split(":", 1)[1].split())
                break
    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    blas = [i for i in blas if "numpy" in i["filepath"]] or blas
    if blas:
        info = blas[0]
        arch = f" {info['architecture']}" if info.get("architecture") else ""
        blas_text = f"{info['internal_api']} {info['version']}{arch}"
    else:
        blas_text = "unknown BLAS"
    return (
        f"{cpu}, {os.cpu_count()} logical cores; Python {platform.python_version()}, "
        f"NumPy {np.__version__} with {blas_text}"
    )


@contextlib.contextmanager
def one_thread():
    """One BLAS thread for NumPy and one intra-op thread for PyTorch; restored on exit."""
    previous = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(1):
        if torch is not None:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(previous)


# ---------------------------------------------------------------------------- timing


def interleaved(contenders, repeats, number=None, block_seconds=0.02, warmup=3):
    """Best time per call, in seconds, of each callable in ``contenders`` (a dict).

    Each is called ``warmup`` times first. A block is ``number`` calls (by default as many
    as fill ``block_seconds`` for the slowest contender); every repeat runs one block of
    each contender, rotating which goes first.
    """
    names = list(contenders)
    slowest = 0.0
    for name in names:
        for _ in range(warmup):
            start = time.perf_counter()
            contenders[name]()
            slowest = max(slowest, time.perf_counter() - start)
    if number is None:
        number = max(1, round(block_seconds / max(slowest, 1e-9)))
    times = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            f = contenders[name]
            start = time.perf_counter()
            for _ in range(number):
                f()
            times[name].append((time.perf_counter() - start) / number)
    return {name: min(t) for name, t in times.items()}


def label(sizes, batch):
    return f"{'-'.join(map(str, sizes))}, B={batch}"


# ---------------------------------------------------------------------------- three steps


def nnmath_network(sizes, rng, dtype="float64"):
    """``nnmath.mlp(sizes, "relu", rng)`` in ``dtype`` (mlp builds float64 layers)."""
    dtype = np.dtype(dtype)
    if dtype == np.float64:
        return nnmath.mlp(sizes, "relu", rng)
    if "dtype" in inspect.signature(nnmath.mlp).parameters:
        return nnmath.mlp(sizes, "relu", rng, dtype=dtype)
    acts = ["relu"] * (len(sizes) - 2) + [None]  # what mlp builds, layer by layer
    layers = [
        nnmath.Dense(a, b, f, rng, dtype=dtype)
        for a, b, f in zip(sizes, sizes[1:], acts)
    ]
    return nnmath.Sequential(layers)


def lean_network(params, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """Copies of ``[W1, b1, W2, b2, ...]``, Adam's hyper-parameters, zeroed moments."""
    params = [np.array(p) for p in params]
    zeros = lambda: [np.zeros_like(p) for p in params]
    adam = (learning_rate, beta1, beta2, epsilon)
    return {
        "params": params,
        "m": zeros(),
        "v": zeros(),
        "scratch": zeros(),
        "t": 0,
        "adam": adam,
    }


def lean_step(net, X, Y):
    """One Adam step of a ReLU MLP in plain NumPy, no checks; returns the loss before it."""
    W, b = net["params"][0::2], net["params"][1::2]
    inputs, A = [], X
    for k in range(len(W)):  # forward
        inputs.append(A)
        A = A @ W[k]
        A += b[k]
        if k < len(W) - 1:
            np.maximum(A, 0, out=A)  # ReLU in place: A > 0 exactly where Z > 0
    shifted = A - A.max(axis=1, keepdims=True)  # fused softmax cross-entropy
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) - (shifted * Y).sum(axis=1)))
    dZ = exp
    dZ /= total
    dZ -= Y
    dZ /= len(X)  # dZ = (softmax(Z) - Y) / B
    grads = [None] * len(net["params"])
    for k in reversed(range(len(W))):  # backward
        grads[2 * k] = inputs[k].T @ dZ
        grads[2 * k + 1] = dZ.sum(axis=0)
        dA = dZ @ W[k].T  # for k = 0 too, as nnmath's backward returns dX
        if k > 0:
            dA *= inputs[k] > 0  # ReLU'
            dZ = dA
    learning_rate, beta1, beta2, epsilon = net["adam"]  # Adam, in place
    net["t"] += 1
    step = learning_rate / (1 - beta1 ** net["t"])  # torch.optim.Adam's form
    root = math.sqrt(1 - beta2 ** net["t"])
    state = zip(net["params"], grads, net["m"], net["v"], net["scratch"])
    for p, g, m, v, s in state:
        m *= beta1
        np.multiply(g, 1 - beta1, out=s)
        m += s
        v *= beta2
        np.multiply(g, g, out=s)
        s *= 1 - beta2
        v += s
        np.sqrt(v, out=s)
        s /= root
        s += epsilon  # sqrt(v_hat) + epsilon
        np.divide(m, s, out=s)
        s *= step  # learning_rate * m_hat / (sqrt(v_hat) + epsilon)
        p -= s
    return loss


def torch_network(params, learning_rate=LEARNING_RATE):
    """The same MLP in PyTorch (nn.Linear + ReLU) from nnmath's ``[W1, b1, ...]``, with Adam."""
    pairs = list(zip(params[0::2], params[1::2]))
    layers = []
    for k, (W, b) in enumerate(pairs):
        dtype = getattr(torch, np.dtype(W.dtype).name)
        linear = torch.nn.Linear(*W.shape, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor(W.T)
            )  # torch stores W transposed: (out, in)
            linear.bias.copy_(torch.tensor(b))
        layers.append(linear)
        if k < len(pairs) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    return {
        "model": model,
        "optimizer": torch.optim.Adam(model.parameters(), lr=learning_rate),
    }


def torch_step(net, X, labels):
    """One step: cross-entropy of the logits against integer labels, backward, Adam."""
    net["optimizer"].zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(net["model"](X), labels)
    loss.backward()
    net["optimizer"].step()
    return loss.item()


def batch(sizes, batch_size, rng, dtype="float64"):
    """Inputs ``X`` (normal), integer labels and their one-hot ``Y``, in ``dtype``."""
    X = rng.normal(size=(batch_size, sizes[0])).astype(dtype)
    labels = rng.integers(0, sizes[-1], size=batch_size)
    return X, labels, nnmath.one_hot(labels, sizes[-1]).astype(dtype)


def time_train_steps(
    configs=CONFIGS,
    dtypes=DTYPES,
    repeats=10,
    seed=0,
    use_torch=True,
    block_seconds=0.02,
):
    """Time one train step of nnmath, the lean NumPy step and PyTorch on each config.

    ``configs`` holds ``(sizes, batch, target)`` triples. Each repeat times a block of
    about ``block_seconds`` of steps per contender. Returns one dict per config and dtype
    with times in milliseconds, the two ratios and whether nnmath/lean meets the target.
    """
    rows = []
    with one_thread():
        for sizes, batch_size, target in configs:
            for dtype in dtypes:
                rng = np.random.default_rng(seed)
                model = nnmath_network(sizes, rng, dtype)
                optimizer = nnmath.Adam(learning_rate=LEARNING_RATE)
                X, labels, Y = batch(sizes, batch_size, rng, dtype)
                lean = lean_network(model.parameters(), LEARNING_RATE)
                steps = {
                    "nnmath": partial(nnmath.train_step, model, optimizer, X, Y),
                    "lean": partial(lean_step, lean, X, Y),
                }
                if use_torch and torch is not None:
                    net = torch_network(model.parameters())
                    X_t, labels_t = torch.from_numpy(X), torch.from_numpy(labels)
                    steps["torch"] = partial(torch_step, net, X_t, labels_t)
                best = interleaved(steps, repeats, block_seconds=block_seconds)
                ms = {name: 1e3 * t for name, t in best.items()}
                ratio = ms["nnmath"] / ms["lean"]
                rows.append(
                    {
                        "config": label(sizes, batch_size),
                        "sizes": sizes,
                        "batch": batch_size,
                        "dtype": dtype,
                        "nnmath_ms": ms["nnmath"],
                        "lean_ms": ms["lean"],
                        "torch_ms": ms.get("torch"),
                        "nnmath_lean": ratio,
                        "nnmath_torch": ms["nnmath"] / ms["torch"]
                        if "torch" in ms
                        else None,
                        "target": target,
                        "holds": ratio <= target,
                    }
                )
    return rows


def table(head, body, markdown=False, left=1):
    """Cells as aligned text (the first ``left`` columns left-aligned) or as Markdown."""
    if markdown:
        rule = [":--"] * left + ["--:"] * (len(head) - left)
        return "\n".join(
            "| " + " | ".join(cells) + " |" for cells in [head, rule, *body]
        )
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
    return "\n".join(
        "  ".join(
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths))
        ).rstrip()
        for row in [head, *body]
    )


def steps_table(rows, markdown=False):
    """The rows of ``time_train_steps``: milliseconds per step, ratios, targets.

    The Markdown form has six columns, which fit the site's content width.
    """
    with_torch = any(r["torch_ms"] is not None for r in rows)
    missing = "not installed" if torch is None else "not run"
    body = []
    for r in rows:
        verdict = f"≤ {r['target']} {'holds' if r['holds'] else 'misses'}"
        nnmath_ms, lean_ms = f"{r['nnmath_ms']:.3f}", f"{r['lean_ms']:.3f}"
        torch_ms = missing if r["torch_ms"] is None else f"{r['torch_ms']:.3f}"
        over_torch = "-" if r["nnmath_torch"] is None else f"{r['nnmath_torch']:.2f}"
        if markdown:
            config = f"{r['config']}, {r['dtype']}"
            ratio = f"{r['nnmath_lean']:.2f} ({verdict})"
            body.append([config, nnmath_ms, lean_ms, torch_ms, ratio, over_torch])
        else:
            cells = [r["config"].split(",")[0], str(r["batch"]), r["dtype"], nnmath_ms]
            cells += [lean_ms, torch_ms, f"{r['nnmath_lean']:.2f}"]
            body.append(cells + [over_torch] * with_torch + [verdict])
    if markdown:
        head = ["network, batch, dtype", "nnmath ms", "lean ms", "torch ms"]
        return table(head + ["nnmath / lean (target)", "nnmath / torch"], body, True)
    head = ["config", "B", "dtype", "nnmath", "lean", "torch", "/lean"]
    return table(head + ["/torch"] * with_torch + ["target"], body, left=3)


# ---------------------------------------------------------------------------- where the time goes


def time_step_phases(configs=CONFIGS[:2], dtype="float64", steps=200, seed=0):
    """Median time of each phase of ``nnmath.train_step``: forward, loss, backward, update.

    The phases run as they do inside a step: nnmath checks input only on the outermost
    public call, and ``train_step`` is that call, so here they run with the flag a
    public call sets (``nnmath._validation._inside``) and check nothing. Each iteration
    (after a warm-up) also times the same four phases as separate public calls, each
    checking its own input, and one whole ``train_step``. Returns one dict per config:
    milliseconds per phase, their total, each phase's fraction of the total, the
    median ``train_step`` and the median of the four checked calls.
    """
    from nnmath._validation import _inside  # see the docstring

    phases = ("forward", "loss", "backward", "update")

    def run_phases():
        t0 = time.perf_counter()
        logits = model.forward(X)
        t1 = time.perf_counter()
        _, dZ = nnmath.softmax_cross_entropy_and_gradient(logits, Y)
        t2 = time.perf_counter()
        model.backward(dZ)
        t3 = time.perf_counter()
        optimizer.step(model.parameters(), model.gradients())
        t4 = time.perf_counter()
        return t1 - t0, t2 - t1, t3 - t2, t4 - t3

    rows = []
    with one_thread():
        for sizes, batch_size, *_ in configs:
            rng = np.random.default_rng(seed)
            model = nnmath_network(sizes, rng, dtype)
            optimizer = nnmath.Adam(learning_rate=LEARNING_RATE)
            X, _, Y = batch(sizes, batch_size, rng, dtype)
            times = {name: [] for name in (*phases, "train_step", "checked")}
            for i in range(steps + 5):  # the first 5 are the warm-up
                token = _inside.set(True)
                try:
                    inside = run_phases()
                finally:
                    _inside.reset(token)
                checked = sum(run_phases())
                t0 = time.perf_counter()
                nnmath.train_step(model, optimizer, X, Y)
                step = time.perf_counter() - t0
                if i >= 5:
                    for name, t in zip(times, (*inside, step, checked)):
                        times[name].append(t)
            ms = {name: 1e3 * statistics.median(t) for name, t in times.items()}
            total = sum(ms[p] for p in phases)
            rows.append(
                {
                    "config": label(sizes, batch_size),
                    "dtype": dtype,
                    **{f"{p}_ms": ms[p] for p in phases},
                    "total_ms": total,
                    **{f"{p}_fraction": ms[p] / total for p in phases},
                    "train_step_ms": ms["train_step"],
                    "checked_ms": ms["checked"],
                }
            )
    return rows


def phases_table(rows, markdown=False):
    """The rows of ``time_step_phases``: milliseconds (share of the sum) of each phase.

    The text form adds the median ``train_step``; the Markdown form, six columns wide to
    fit the site, leaves it out.
    """
    phases = ("forward", "loss", "backward", "update")
    body = [
        [r["config"]]
        + [f"{r[p + '_ms']:.3f} ({r[p + '_fraction']:.0%})" for p in phases]
        + [f"{r['total_ms']:.3f}"]
        + [f"{r['train_step_ms']:.3f}"] * (not markdown)
        for r in rows
    ]
    return table(
        ["config", *phases, "sum"] + ["train_step"] * (not markdown), body, markdown
    )


# ---------------------------------------------------------------------------- input checks


def affine(X, W, b):
    """The bare layer, no checks."""
    return X @ W + b


def all_finite(X):
    """The whole-array finite check a public function runs on its input."""
    return np.isfinite(X).all()


def time_checks(
    shapes=((32, 64, 32), (128, 784, 256)), repeats=20, seed=0, block_seconds=0.005
):
    """What checking costs: ``nnmath.linear(X, W, b)`` against the bare ``X @ W + b``.

    For each ``(batch, in, out)``: microseconds of the checked and the bare call, their
    difference (the checks), and a whole-array finite check ``np.isfinite(X).all()``
    against the matrix product ``X @ W`` it would guard.
    """
    rows = []
    with one_thread():
        for batch_size, n_in, n_out in shapes:
            rng = np.random.default_rng(seed)
            X = rng.normal(size=(batch_size, n_in))
            W = rng.normal(size=(n_in, n_out))
            b = rng.normal(size=n_out)
            best = interleaved(
                {
                    "linear": partial(nnmath.linear, X, W, b),
                    "bare": partial(affine, X, W, b),
                    "isfinite": partial(all_finite, X),
                    "matmul": partial(np.matmul, X, W),
                },
                repeats,
                block_seconds=block_seconds,
            )
            us = {name: 1e6 * t for name, t in best.items()}
            rows.append(
                {
                    "shape": f"({batch_size}, {n_in}) @ ({n_in}, {n_out})",
                    **{f"{name}_us": t for name, t in us.items()},
                    "checks_us": us["linear"] - us["bare"],
                    "checks_fraction": (us["linear"] - us["bare"]) / us["linear"],
                    "isfinite_vs_matmul": us["isfinite"] / us["matmul"],
                }
            )
    return rows


def checks_table(rows, markdown=False):
    """The rows of ``time_checks``, in microseconds."""
    head = [
        "product",
        "linear µs",
        "X @ W + b µs",
        "checks µs",
        "isfinite(X) µs",
        "X @ W µs",
    ]
    body = [
        [
            r["shape"],
            f"{r['linear_us']:.1f}",
            f"{r['bare_us']:.1f}",
            f"{r['checks_us']:.1f} ({r['checks_fraction']:.0%})",
            f"{r['isfinite_us']:.1f}",
            f"{r['matmul_us']:.1f}",
        ]
        for r in rows
    ]
    return table(head, body, markdown)


# ---------------------------------------------------------------------------- loops vs BLAS


def time_loops_vs_matmul(m=64, n=64, k=32, repeats=3, seed=0):
    """``nnmath.matmul_loops(A, B)`` (three Python loops) against ``A @ B`` (BLAS).

    Also times the middle road, one NumPy dot product per entry of the result, which
    removes the innermost Python loop but still calls into NumPy ``m * k`` times. Returns
    seconds per product, the ratios to ``A @ B`` and each one's GFLOP/s (``2 m n k`` flops).
    """
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(m, n)), rng.normal(size=(n, k))
    Bt = np.ascontiguousarray(B.T)
    rows_of_dots = lambda: [[A[i] @ Bt[j] for j in range(k)] for i in range(m)]
    with one_thread():
        assert np.allclose(nnmath.matmul_loops(A, B), A @ B)
        assert np.allclose(rows_of_dots(), A @ B)
        loops = interleaved(
            {"loops": lambda: nnmath.matmul_loops(A, B)}, repeats, number=1
        )
        dots = interleaved({"dots": rows_of_dots}, repeats, number=1)
        blas = interleaved(
            {"matmul": lambda: A @ B}, max(repeats, 20), block_seconds=0.002
        )
    seconds = {**loops, **dots, **blas}
    flops = 2 * m * n * k
    return {
        "shape": f"({m}, {n}) @ ({n}, {k})",
        "flops": flops,
        **{f"{name}_s": t for name, t in seconds.items()},
        **{f"{name}_gflops": flops / t / 1e9 for name, t in seconds.items()},
        "loops_vs_matmul": seconds["loops"] / seconds["matmul"],
        "dots_vs_matmul": seconds["dots"] / seconds["matmul"],
    }


def loops_table(r, markdown=False):
    """The result of ``time_loops_vs_matmul``: time, speed and slowdown of each way."""
    head = [r["shape"], "ms", "GFLOP/s", "× A @ B"]
    body = [
        [
            what,
            f"{1e3 * r[name + '_s']:.4f}",
            f"{r[name + '_gflops']:.3f}",
            f"{r[name + '_s'] / r['matmul_s']:,.0f}",
        ]
        for name, what in [
            ("loops", "nnmath.matmul_loops (3 Python loops)"),
            ("dots", "one NumPy dot per entry"),
            ("matmul", "A @ B (BLAS)"),
        ]
    ]
    return table(head, body, markdown)


# ---------------------------------------------------------------------------- digits


def digits_data(seed=0):
    """scikit-learn's bundled digits, pixels / 16, stratified split with 450 test images."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=450, random_state=seed, stratify=y
    )
    return X_train, X_test, y_train, y_test


def time_digits(epochs=50, repeats=1, seed=0, hidden=64, batch_size=32):
    """Train a 64-hidden-10 ReLU network with Adam (lr 1e-3) on the digits, nnmath vs sklearn.

    nnmath: ``train_epoch`` once per epoch. scikit-learn: ``MLPClassifier`` with the same
    network, optimizer, batch size and number of epochs, no weight decay, no early stop.
    Returns the best wall time of each over ``repeats`` interleaved runs, their ratio and
    both test accuracies (``nnmath.accuracy`` on the held-out 450 images).
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X_train, X_test, y_train, y_test = digits_data(seed)
    Y_train = nnmath.one_hot(y_train, 10)

    def run_nnmath():
        rng = np.random.default_rng(seed)
        model = nnmath.mlp([64, hidden, 10], "relu", rng)
        optimizer = nnmath.Adam(learning_rate=LEARNING_RATE)
        start = time.perf_counter()
        for _ in range(epochs):
            nnmath.train_epoch(model, optimizer, X_train, Y_train, batch_size, rng)
        seconds = time.perf_counter() - start
        return seconds, nnmath.accuracy(model.forward(X_test), y_test)

    def run_sklearn():
        clf = MLPClassifier(
            hidden_layer_sizes=(hidden,),
            activation="relu",
            solver="adam",
            learning_rate_init=LEARNING_RATE,
            batch_size=batch_size,
            max_iter=epochs,
            alpha=0.0,
            tol=0.0,
            n_iter_no_change=epochs + 1,
            shuffle=True,
            random_state=seed,
        )
        start = time.perf_counter()
        with (
            warnings.catch_warnings()
        ):  # it warns that max_iter was reached: we asked for that
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        assert clf.n_iter_ == epochs, (
            f"MLPClassifier stopped after {clf.n_iter_} epochs"
        )
        return seconds, nnmath.accuracy(clf.predict_proba(X_test), y_test)

    results = {"nnmath": [], "sklearn": []}
    with one_thread():
        for r in range(repeats):
            for name in ["nnmath", "sklearn"] if r % 2 == 0 else ["sklearn", "nnmath"]:
                results[name].append(
                    (run_nnmath if name == "nnmath" else run_sklearn)()
                )
    nn_s, sk_s = (min(t for t, _ in results[name]) for name in ("nnmath", "sklearn"))
    return {
        "epochs": epochs,
        "train_images": len(X_train),
        "test_images": len(X_test),
        "nnmath_s": nn_s,
        "sklearn_s": sk_s,
        "ratio": nn_s / sk_s,
        "nnmath_accuracy": results["nnmath"][-1][1],
        "sklearn_accuracy": results["sklearn"][-1][1],
        "ratio_target": DIGITS_TARGETS["ratio"],
        "accuracy_target": DIGITS_TARGETS["accuracy"],
    }


def digits_text(r):
    verdict = lambda ok: "holds" if ok else "misses"
    acc = DIGITS_TARGETS["accuracy"]
    return "\n".join(
        [
            f"digits: {r['train_images']} training and {r['test_images']} test images, "
            f"{r['epochs']} epochs of 64-64-10 ReLU,",
            "Adam with learning rate 1e-3, batches of 32, float64",
            f"  nnmath   {r['nnmath_s']:7.3f} s   test accuracy {r['nnmath_accuracy']:6.1%}"
            f"   (target ≥ {acc:.0%}: {verdict(r['nnmath_accuracy'] >= acc)})",
            f"  sklearn  {r['sklearn_s']:7.3f} s   test accuracy {r['sklearn_accuracy']:6.1%}"
            f"   (target ≥ {acc:.0%}: {verdict(r['sklearn_accuracy'] >= acc)})",
            f"  nnmath/sklearn time {r['ratio']:.2f} "
            f"(target ≤ {r['ratio_target']}: {verdict(r['ratio'] <= r['ratio_target'])})",
        ]
    )


# ---------------------------------------------------------------------------- the page's helper


def source(function):
    """The source of a function in this file without its docstring, for the site to show."""
    text = inspect.getsource(function)
    first = ast.parse(text).body[0].body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        lines = text.splitlines()
        del lines[first.lineno - 1 : first.end_lineno]
        text = "\n".join(lines)
    return text.rstrip("\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats: a short run"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 15
    results = {"machine": machine(), "torch": torch.__version__ if torch else None}
    if not args.json:
        print(textwrap.fill(results["machine"], 88))
        print(f"torch {results['torch']}" if torch else "torch not installed")
        threads = "one BLAS thread, one torch thread" if torch else "one BLAS thread"
        print(f"{threads}; best of {repeats} interleaved blocks\n")
    results["train_steps"] = time_train_steps(repeats=repeats)
    if not args.json:
        print("one train step, milliseconds (B: batch size)")
        print(steps_table(results["train_steps"]))
        print(
            "/lean, /torch: nnmath's time over theirs; the target is for /lean",
            end="\n\n",
        )
    results["digits"] = time_digits(repeats=1 if args.quick else 3)
    if not args.json:
        print(digits_text(results["digits"]), end="\n\n")
    results["phases"] = time_step_phases(steps=50 if args.quick else 300)
    if not args.json:
        print("where the time of nnmath.train_step goes: each phase called on its own,")
        print("milliseconds (share of their sum), median of each, float64")
        print(phases_table(results["phases"]), end="\n\n")
    results["checks"] = time_checks(repeats=5 if args.quick else 30)
    if not args.json:
        print("input checks: nnmath.linear(X, W, b) against X @ W + b")
        print(checks_table(results["checks"]), end="\n\n")
    results["loops"] = time_loops_vs_matmul(repeats=2 if args.quick else 5)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"matrix product, {results['loops']['flops']:,} flops")
        print(loops_table(results["loops"]))


if __name__ == "__main__":
    main()
