r"""How fast is nnmath? Its train step against lean NumPy, PyTorch and scikit-learn.

Run by hand from the repository root (not by pytest, not by the site's build):

    .venv/bin/python benchmarks/speed.py --write   # measure, rewrite benchmarks/results.json
    .venv/bin/python benchmarks/speed.py           # measure and print, write nothing
    .venv/bin/python benchmarks/speed.py --quick   # fewer repeats: a smoke run, writes nothing
    .venv/bin/python benchmarks/speed.py --json    # print the results as JSON

``--write`` takes an optional path (``--quick --write /tmp/quick.json``). Commit the
rewritten ``benchmarks/results.json``: the site's Performance page is built from it
(``benchmarks/report.py`` reads and formats it; the build measures nothing), and
``tests/test_performance.py`` checks every conclusion the page states against it. The
file records where and how the numbers were measured (``provenance``).

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
import contextlib
import datetime
import inspect
import json
import math
import os
import platform
import runpy
import statistics
import subprocess
import sys
import time
import warnings
from functools import partial
from importlib import metadata
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

if (
    __name__ == "__main__"
):  # `python benchmarks/speed.py` measures the nnmath next to it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nnmath  # noqa: E402

#: What reads and formats the results (the Performance page uses it too).
report = runpy.run_path(str(Path(__file__).resolve().with_name("report.py")))
#: The committed results, read by the site's Performance page.
RESULTS = report["RESULTS"]
#: Bumped when the layout of the results changes (tests/test_benchmarks.py checks it).
SCHEMA = 2

# (widths, batch size, target for nnmath time / lean time)
CONFIGS = [
    ([64, 32, 10], 32, 1.3),
    ([784, 256, 10], 128, 1.1),
    ([1024, 1024, 1024, 10], 512, 1.1),
]
DTYPES = ("float32", "float64")
DIGITS_TARGETS = {"ratio": 0.65, "accuracy": 0.97}  # nnmath/sklearn time; test accuracy
LEARNING_RATE = 1e-3


def _torch():
    """PyTorch, or None when it is not installed (its column then says so)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


# ---------------------------------------------------------------------------- provenance


def _version(distribution):
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _git(*args):
    root = Path(__file__).resolve().parents[1]
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout


def provenance():
    """Where the numbers are measured: machine, CPU, BLAS, versions, git commit.

    The run's date, duration, command and load average are added by ``measure``.
    """
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = " ".join(line.split(":", 1)[1].split())
                break
    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    blas = [i for i in blas if "numpy" in i["filepath"]] or blas
    blas = blas[0] if blas else {}
    build = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain")
    changed = None if status is None else sorted(status.splitlines())
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    return {
        "git": {
            "commit": commit.strip() if commit else None,
            "dirty": bool(changed) if changed is not None else None,
            "changed": changed,  # `git status --porcelain`: what the commit does not hold
        },
        "machine": {
            "cpu": cpu,
            "logical_cores": os.cpu_count(),
            "usable_cores": usable,
            "architecture": platform.machine(),
            "system": platform.platform(),
        },
        "software": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "blas": {
                "library": Path(blas["filepath"]).name if blas else None,
                "internal_api": blas.get("internal_api"),
                "version": blas.get("version"),
                "architecture": blas.get("architecture"),
                "threading_layer": blas.get("threading_layer"),
            },
            "numpy_build_blas": {
                "name": build.get("name"),
                "version": build.get("version"),
                "configuration": build.get("openblas configuration"),
            },
            "threadpoolctl": _version("threadpoolctl"),
            "torch": _version("torch"),
            "scikit-learn": _version("scikit-learn"),
        },
    }


@contextlib.contextmanager
def one_thread():
    """One BLAS thread for NumPy and one intra-op thread for PyTorch; restored on exit."""
    torch = _torch()
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
    each contender, rotating which goes first. Returns ``(best, number)``: the best block
    per call of each contender, and the calls per block.
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
    return {name: min(t) for name, t in times.items()}, number


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
    import torch

    pairs = list(zip(params[0::2], params[1::2]))
    layers = []
    for k, (W, b) in enumerate(pairs):
        dtype = getattr(torch, np.dtype(W.dtype).name)
        linear = torch.nn.Linear(*W.shape, dtype=dtype)
        with torch.no_grad():
            # torch stores W transposed: (out, in)
            linear.weight.copy_(torch.tensor(W.T))
            linear.bias.copy_(torch.tensor(b))
        layers.append(linear)
        if k < len(pairs) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    return {
        "model": model,
        "optimizer": torch.optim.Adam(model.parameters(), lr=learning_rate),
        "loss": torch.nn.functional.cross_entropy,
    }


def torch_step(net, X, labels):
    """One step: cross-entropy of the logits against integer labels, backward, Adam."""
    net["optimizer"].zero_grad(set_to_none=True)
    loss = net["loss"](net["model"](X), labels)
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
    about ``block_seconds`` of steps per contender. Returns one dict per config and dtype:
    milliseconds per step of each contender (``torch_ms`` is None without PyTorch) and
    the target for nnmath's time over the lean step's.
    """
    torch = _torch() if use_torch else None
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
                if torch is not None:
                    net = torch_network(model.parameters())
                    X_t, labels_t = torch.from_numpy(X), torch.from_numpy(labels)
                    steps["torch"] = partial(torch_step, net, X_t, labels_t)
                best, number = interleaved(steps, repeats, block_seconds=block_seconds)
                rows.append(
                    {
                        "sizes": list(sizes),
                        "batch": batch_size,
                        "dtype": dtype,
                        "target": target,
                        "nnmath_ms": 1e3 * best["nnmath"],
                        "lean_ms": 1e3 * best["lean"],
                        "torch_ms": 1e3 * best["torch"] if "torch" in best else None,
                        "blocks": repeats,
                        "calls_per_block": number,
                    }
                )
    return rows


# ---------------------------------------------------------------------------- where the time goes

PHASES = report["PHASES"]


def time_step_phases(configs=CONFIGS[:2], dtype="float64", steps=200, seed=0):
    """Median time of each phase of ``nnmath.train_step``: forward, loss, backward, update.

    The phases run as they do inside a step: nnmath checks input only on the outermost
    public call, and ``train_step`` is that call, so here they run with the flag a
    public call sets (``nnmath._validation._inside``) and check nothing. Each iteration
    (after a warm-up) also times the same four phases as separate public calls, each
    checking its own input (``checked_ms``), and one whole ``train_step``. Returns one
    dict per config: the median milliseconds of each.
    """
    from nnmath._validation import _inside  # see the docstring

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
            times = {name: [] for name in (*PHASES, "train_step", "checked")}
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
            rows.append(
                {
                    "sizes": list(sizes),
                    "batch": batch_size,
                    "dtype": dtype,
                    "steps": steps,
                    **{f"{name}_ms": t for name, t in ms.items()},
                }
            )
    return rows


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

    For each ``(batch, in, out)``: microseconds of the checked and the bare call, of a
    whole-array finite check ``np.isfinite(X).all()`` and of the matrix product ``X @ W``
    it would guard.
    """
    rows = []
    with one_thread():
        for batch_size, n_in, n_out in shapes:
            rng = np.random.default_rng(seed)
            X = rng.normal(size=(batch_size, n_in))
            W = rng.normal(size=(n_in, n_out))
            b = rng.normal(size=n_out)
            best, number = interleaved(
                {
                    "linear": partial(nnmath.linear, X, W, b),
                    "bare": partial(affine, X, W, b),
                    "isfinite": partial(all_finite, X),
                    "matmul": partial(np.matmul, X, W),
                },
                repeats,
                block_seconds=block_seconds,
            )
            rows.append(
                {
                    "batch": batch_size,
                    "in": n_in,
                    "out": n_out,
                    **{f"{name}_us": 1e6 * t for name, t in best.items()},
                    "blocks": repeats,
                    "calls_per_block": number,
                }
            )
    return rows


# ---------------------------------------------------------------------------- loops vs BLAS


def time_loops_vs_matmul(m=64, n=64, k=32, repeats=3, seed=0):
    """``nnmath.matmul_loops(A, B)`` (three Python loops) against ``A @ B`` (BLAS).

    Also times the middle road, one NumPy dot product per entry of the result, which
    removes the innermost Python loop but still calls into NumPy ``m * k`` times. Returns
    the shape and the seconds per product of each way.
    """
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(m, n)), rng.normal(size=(n, k))
    Bt = np.ascontiguousarray(B.T)
    rows_of_dots = lambda: [[A[i] @ Bt[j] for j in range(k)] for i in range(m)]
    with one_thread():
        assert np.allclose(nnmath.matmul_loops(A, B), A @ B)
        assert np.allclose(rows_of_dots(), A @ B)
        loops, _ = interleaved(
            {"loops": lambda: nnmath.matmul_loops(A, B)}, repeats, number=1
        )
        dots, _ = interleaved({"dots": rows_of_dots}, repeats, number=1)
        blas, _ = interleaved(
            {"matmul": lambda: A @ B}, max(repeats, 20), block_seconds=0.002
        )
    seconds = {**loops, **dots, **blas}
    return {"m": m, "n": n, "k": k, **{f"{w}_s": t for w, t in seconds.items()}}


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
    Returns the best wall time of each over ``repeats`` interleaved runs, both test
    accuracies (``nnmath.accuracy`` on the held-out 450 images) and the targets.
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
        with warnings.catch_warnings():  # it warns that max_iter was reached: we asked
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
        "hidden": hidden,
        "batch": batch_size,
        "train_images": len(X_train),
        "test_images": len(X_test),
        "repeats": repeats,
        "nnmath_s": nn_s,
        "sklearn_s": sk_s,
        "nnmath_accuracy": results["nnmath"][-1][1],
        "sklearn_accuracy": results["sklearn"][-1][1],
        "ratio_target": DIGITS_TARGETS["ratio"],
        "accuracy_target": DIGITS_TARGETS["accuracy"],
    }


# ---------------------------------------------------------------------------- hidden costs


def one_at_a_time(g):
    """Two temporaries, each freed before the next is made."""
    a = g * 0.1
    del a
    b = g * 0.2
    del b


def two_alive(g):
    """The same two temporaries, the first still alive when the second is made."""
    a = g * 0.1
    b = g * 0.2
    del a, b


def minor_page_faults(f, calls=20):
    """Minor page faults per call of ``f`` (None where ``resource`` does not exist)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    f()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        f()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def time_temporaries(shape=(1024, 1024), dtype="float32", repeats=20):
    """Two temporaries made one at a time against two alive at once, in this process.

    Milliseconds per call (best block) and minor page faults per call of each. Element-wise
    code: no BLAS, no thread limit needed.
    """
    g = np.ones(shape, dtype=dtype)
    ways = {"one_at_a_time": one_at_a_time, "two_alive": two_alive}
    best, _ = interleaved({name: partial(f, g) for name, f in ways.items()}, repeats)
    return {
        **{f"{name}_ms": 1e3 * t for name, t in best.items()},
        **{
            f"{name}_faults": minor_page_faults(partial(f, g))
            for name, f in ways.items()
        },
    }


def time_hidden_costs(shape=(1024, 1024), dtype="float32", repeats=20):
    """Two costs of plain NumPy on an array the size of a wide layer's weights.

    ``scalar``: the array times a NumPy float64 scalar (promoted to float64) against the
    same product with a Python float (stays in ``dtype``), milliseconds per call.
    ``temporaries``: ``time_temporaries`` twice, in a fresh Python process (``fresh``:
    the memory allocator as a new training script finds it) and in this one after every
    other measurement (``after_run``: the allocator has seen larger arrays come and go).
    """
    g = np.ones(shape, dtype=dtype)
    numpy_scalar, python_float = np.sqrt(np.float64(0.5)), 0.5**0.5
    with one_thread():
        scalar, _ = interleaved(
            {
                "numpy_scalar": lambda: g * numpy_scalar,
                "python_float": lambda: g * python_float,
            },
            repeats,
        )
    child = (
        "import json, runpy, sys; speed = runpy.run_path(sys.argv[1]); "
        "print(json.dumps(speed['time_temporaries'](*json.loads(sys.argv[2]))))"
    )
    arguments = json.dumps([list(shape), dtype, repeats])
    fresh = subprocess.run(
        [sys.executable, "-c", child, str(Path(__file__).resolve()), arguments],
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        "shape": list(shape),
        "dtype": dtype,
        "scalar": {f"{name}_ms": 1e3 * t for name, t in scalar.items()},
        "temporaries": {
            "fresh": json.loads(fresh.stdout),
            "after_run": time_temporaries(shape, dtype, repeats),
        },
    }


# ---------------------------------------------------------------------------- a run


def _rounded(value, digits=4):
    """Floats to ``digits`` significant digits, all the way down: a readable diff."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v, digits) for v in value]
    return value


def measure(quick=False, show=print, command="benchmarks/speed.py"):
    """Every measurement, with its provenance; ``show`` gets each section's text."""
    started = datetime.datetime.now(datetime.UTC)
    start, load = time.perf_counter(), os.getloadavg()
    repeats = 3 if quick else 15
    results = {
        "schema": SCHEMA,
        "provenance": provenance(),
        "method": {
            "quick": quick,
            "blas_threads": 1,
            "torch_threads": 1 if _torch() is not None else None,
            "timer": "time.perf_counter",
            "statistic": "best block of calls, per call; phases: median of single steps",
        },
    }
    sections = [
        ("loops", time_loops_vs_matmul, {"repeats": 2 if quick else 5}),
        ("phases", time_step_phases, {"steps": 50 if quick else 300}),
        ("checks", time_checks, {"repeats": 5 if quick else 30}),
        ("train_steps", time_train_steps, {"repeats": repeats}),
        ("digits", time_digits, {"repeats": 1 if quick else 3}),
        ("hidden_costs", time_hidden_costs, {"repeats": 5 if quick else 20}),
    ]
    for name, function, kwargs in sections:
        results[name] = _rounded(function(**kwargs))
        show(report["TEXTS"][name](results) + "\n")
    results["provenance"].update(
        date=started.isoformat(timespec="seconds"),
        seconds=round(time.perf_counter() - start),
        command=command,
        load_average={"before": list(load), "after": list(os.getloadavg())},
    )
    return _rounded(results)


def write(results, path=RESULTS):
    """``results`` as JSON with sorted keys, two-space indents and a final newline.

    Raises ValueError, writing nothing, if an entry the page reads is missing.
    """
    if lacking := report["missing"](results):
        raise ValueError(f"the results lack {', '.join(lacking)}")
    text = json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats: a smoke run"
    )
    parser.add_argument(
        "--write",
        nargs="?",
        const=RESULTS,
        type=Path,
        metavar="PATH",
        help="write the results to PATH (by default benchmarks/results.json)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    show = (lambda text: None) if args.json else partial(print, flush=True)
    threads = "one BLAS thread, one torch thread" if _torch() else "one BLAS thread"
    show(f"{'quick' if args.quick else 'full'} run, {threads}\n")
    command = " ".join(["benchmarks/speed.py", *argv])
    results = measure(quick=args.quick, show=show, command=command)
    if args.json:
        print(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False))
    show(report["provenance_text"](results))
    if args.write:
        write(results, args.write)
        print(f"wrote {args.write}", file=sys.stderr)


if __name__ == "__main__":
    main()
