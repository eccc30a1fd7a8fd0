r"""The Performance page's tables, figure and sentences, read from benchmarks/results.json.

``benchmarks/speed.py`` measures and writes ``results.json``; this file only reads it and
formats it. The site's Performance page calls these functions while it builds, so the
build times nothing, and every comparison word on the page ("faster", "meets", "less")
is picked here from the numbers. ``tests/test_performance.py`` checks the page's fixed
sentences against the same file, and that a rerun that changes a conclusion changes the
words printed here.
"""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

#: The committed results, written by ``benchmarks/speed.py --write``.
RESULTS = Path(__file__).resolve().with_name("results.json")
#: The benchmark script, whose code the page lists.
SPEED = Path(__file__).resolve().with_name("speed.py")
#: The four phases of a train step, in order.
PHASES = ("forward", "loss", "backward", "update")


#: What a run must write: every entry the page reads, and the provenance. A section that
#: is a list of rows holds one dict of the fields every row has.
REQUIRED = {
    "schema": None,
    "provenance": {
        "date": None,
        "seconds": None,
        "command": None,
        "load_average": {"before": None, "after": None},
        "git": {"commit": None, "dirty": None, "changed": None},
        "machine": dict.fromkeys(
            ["cpu", "logical_cores", "usable_cores", "architecture", "system"]
        ),
        "software": {
            "python": None,
            "numpy": None,
            "blas": dict.fromkeys(
                [
                    "library",
                    "internal_api",
                    "version",
                    "architecture",
                    "threading_layer",
                ]
            ),
            "numpy_build_blas": dict.fromkeys(["name", "version", "configuration"]),
            "threadpoolctl": None,
            "torch": None,
            "scikit-learn": None,
        },
    },
    "method": dict.fromkeys(
        ["quick", "blas_threads", "torch_threads", "timer", "statistic"]
    ),
    "loops": dict.fromkeys(["m", "n", "k", "loops_s", "dots_s", "matmul_s"]),
    "phases": [
        dict.fromkeys(
            ["sizes", "batch", "dtype", "steps", "train_step_ms", "checked_ms"]
            + [f"{p}_ms" for p in PHASES]
        )
    ],
    "checks": [
        dict.fromkeys(
            ["batch", "in", "out", "linear_us", "bare_us", "isfinite_us", "matmul_us"]
            + ["blocks", "calls_per_block"]
        )
    ],
    "train_steps": [
        dict.fromkeys(
            ["sizes", "batch", "dtype", "target", "nnmath_ms", "lean_ms", "torch_ms"]
            + ["blocks", "calls_per_block"]
        )
    ],
    "digits": dict.fromkeys(
        ["epochs", "hidden", "batch", "train_images", "test_images", "repeats"]
        + ["nnmath_s", "sklearn_s", "nnmath_accuracy", "sklearn_accuracy"]
        + ["ratio_target", "accuracy_target"]
    ),
    "hidden_costs": {
        "shape": None,
        "dtype": None,
        "scalar": dict.fromkeys(["numpy_scalar_ms", "python_float_ms"]),
        "temporaries": {
            when: dict.fromkeys(
                [
                    f"{way}_{unit}"
                    for way in ("one_at_a_time", "two_alive")
                    for unit in ("ms", "faults")
                ]
            )  # fmt: skip
            for when in ("fresh", "after_run")
        },
    },
}


def missing(results, required=REQUIRED, where=""):
    """The entries of ``required`` that ``results`` lacks, as paths (``digits.epochs``)."""
    if isinstance(required, list):
        if not isinstance(results, list) or not results:
            return [f"{where}[]"]
        return [m for row in results for m in missing(row, required[0], f"{where}[]")]
    if required is None:
        return []
    if not isinstance(results, dict):
        return [where]
    found = []
    for key, inner in required.items():
        path = f"{where}.{key}" if where else key
        found += missing(results[key], inner, path) if key in results else [path]
    return sorted(set(found))


def load(path=RESULTS):
    """The results a run wrote (by default the committed ``benchmarks/results.json``).

    Raises ValueError if an entry the page reads, or a field of the provenance, is missing.
    """
    with open(path, encoding="utf-8") as f:
        results = json.load(f)
    if lacking := missing(results):
        raise ValueError(
            f"{path} lacks {', '.join(lacking)}: rerun benchmarks/speed.py"
        )
    return results


def listing(name, path=SPEED):
    """The source of the function ``name`` of ``speed.py``, without its docstring.

    Read from the file, not imported: the page shows the benchmark's code but runs none
    of it.
    """
    with open(path, encoding="utf-8") as f:
        text = f.read()
    (node,) = [
        n
        for n in ast.parse(text).body
        if isinstance(n, ast.FunctionDef) and n.name == name
    ]
    lines = text.splitlines()[node.lineno - 1 : node.end_lineno]
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        del lines[first.lineno - node.lineno : first.end_lineno - node.lineno + 1]
    return "\n".join(lines)


def label(row):
    """``64-32-10, B=32`` for a row with ``sizes`` and ``batch``."""
    return f"{'-'.join(map(str, row['sizes']))}, B={row['batch']}"


def network(row):
    """``64-32-10``: the widths of a row's network."""
    return "-".join(map(str, row["sizes"]))


def table(head, body, left=1):
    """A Markdown table with padded cells (the first ``left`` columns left-aligned).

    Padded, it also reads as plain text, which is how the script prints it.
    """
    rows = [head, *body]
    widths = [max(3, *(len(row[i]) for row in rows)) for i in range(len(head))]

    def line(cells):
        return "| " + " | ".join(
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths))
        ) + " |"  # fmt: skip

    rule = [
        ":" + "-" * (w - 1) if i < left else "-" * (w - 1) + ":"
        for i, w in enumerate(widths)
    ]
    return "\n".join([line(head), line(rule), *map(line, body)])


def times_as(t, reference, plural=False):
    """``takes 2.4 times as long as`` or ``is 3.1 times as fast as``: ``t`` against
    ``reference`` (``take``, ``are`` with ``plural``).

    The words follow the numbers: a time above the reference takes longer, one below it
    is faster.
    """
    if t >= reference:
        verb = "take" if plural else "takes"
        return f"{verb} {_ratio(t / reference)} times as long as"
    verb = "are" if plural else "is"
    return f"{verb} {_ratio(reference / t)} times as fast as"


def _ratio(x):
    return f"{x:,.0f}" if x >= 20 else f"{x:.2f}" if x < 2 else f"{x:.1f}"


def meets(value, target, at_most=True):
    """``meets`` or ``misses`` a target of at most (or at least) ``target``."""
    return "meets" if (value <= target if at_most else value >= target) else "misses"


# --- where and how


def _plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def provenance_text(results):
    """Where, when and with what the numbers were measured: a two-column table."""
    p, method = results["provenance"], results["method"]
    git, machine, software = p["git"], p["machine"], p["software"]
    blas, build = software["blas"], software["numpy_build_blas"]
    if git["dirty"]:
        changed = [line[3:] for line in git["changed"]]
        code = [c for c in changed if c.startswith(("nnmath/", "benchmarks/speed.py"))]
        where = f"in {', '.join(code)}" if code else "none in nnmath/ or speed.py"
        names = f": {', '.join(changed)}" if len(changed) <= 3 else ""
        tree = (
            f"uncommitted changes in {_plural(len(changed), 'file')}{names} ({where})"
        )
    else:
        tree = "clean: the commit holds the code that ran"
    threads = _plural(method["blas_threads"], "BLAS thread")
    if method["torch_threads"]:
        threads += ", " + _plural(method["torch_threads"], "PyTorch thread")
    load = p["load_average"]
    minutes, seconds = divmod(p["seconds"], 60)
    took = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
    rows = [
        ["date", f"{p['date'].replace('T', ' ')} (UTC); the run took {took}"],
        [
            "command",
            f"`{p['command']}`" + (" (a quick run)" if method["quick"] else ""),
        ],
        ["commit", f"`{git['commit'][:12]}`"],
        ["working tree", tree],
        ["CPU", f"{machine['cpu']}, {machine['logical_cores']} logical cores"],
        ["system", machine["system"]],
        [
            "load",
            f"{load['before'][0]:.2f} before the run, {load['after'][0]:.2f} after "
            "(one-minute load average; 1 is one busy core)",
        ],
        ["Python", software["python"]],
        [
            "NumPy",
            f"{software['numpy']} with {build['name']} {build['version']} "
            f"({blas['architecture']} kernels)",
        ],
        ["PyTorch", software["torch"] or "not installed"],
        ["scikit-learn", software["scikit-learn"] or "not installed"],
        ["threads", threads],
    ]
    return table(["measured", "with"], rows, left=2)


# --- loops against BLAS


def product_flops(m, n, k):
    """Flops of an (m, n) by (n, k) product: a multiplication and an addition per term."""
    return 2 * m * n * k


def loops_text(results):
    """The three ways of the matrix product: table and what it says."""
    r = results["loops"]
    m, n, k = r["m"], r["n"], r["k"]
    flops = product_flops(m, n, k)
    head = [f"({m}, {n}) @ ({n}, {k})", "ms", "GFLOP/s", "× A @ B"]
    body = [
        [
            what,
            f"{1e3 * r[way + '_s']:.4f}",
            f"{flops / r[way + '_s'] / 1e9:.3f}",
            f"{r[way + '_s'] / r['matmul_s']:,.0f}",
        ]
        for way, what in [
            ("loops", "nnmath.matmul_loops (3 Python loops)"),
            ("dots", "one NumPy dot per entry"),
            ("matmul", "A @ B (BLAS)"),
        ]
    ]
    loops, dots, matmul = r["loops_s"], r["dots_s"], r["matmul_s"]
    magnitude = (
        f": {math.log10(loops / matmul):.1f} orders of magnitude"
        if loops > matmul
        else ""
    )
    return "\n".join(
        [
            table(head, body),
            "",
            f"`A @ B` {times_as(matmul, loops)} the three loops{magnitude}. "
            f"One NumPy dot per entry {times_as(dots, loops)} the loops, and "
            f"{times_as(dots, matmul)} `A @ B`.",
        ]
    )


# --- phases


def flops(row):
    """Flops of the matrix products of one forward pass: 2 B n m per layer."""
    return sum(2 * row["batch"] * n * m for n, m in zip(row["sizes"], row["sizes"][1:]))


def phases_total(row):
    """The sum of the four phases' times, in milliseconds."""
    return sum(row[f"{p}_ms"] for p in PHASES)


def products_share(row):
    """The share of the phases' time spent in forward and backward, which hold every
    matrix product."""
    return (row["forward_ms"] + row["backward_ms"]) / phases_total(row)


def phases_text(results):
    """Milliseconds (share of the sum) of each phase, and one line per network."""
    rows = results["phases"]
    body = [
        [label(r)]
        + [f"{r[p + '_ms']:.3f} ({r[p + '_ms'] / phases_total(r):.0%})" for p in PHASES]
        + [f"{phases_total(r):.3f}"]
        for r in rows
    ]
    lines = [table(["network, batch", *PHASES, "sum"], body), ""]
    for r in rows:
        mflop = flops(r) / 1e6
        largest = max(PHASES, key=lambda p: r[f"{p}_ms"])
        lines.append(
            f"- {label(r)}: {mflop:.2f} Mflop forward, {2 * mflop:.2f} backward. "
            f"Largest phase: {largest}. Backward "
            f"{times_as(r['backward_ms'], r['forward_ms'])} forward. One `train_step` "
            f"takes {r['train_step_ms']:.3f} ms; the four phases called one by one, each "
            "checking its own input, "
            f"{times_as(r['checked_ms'], r['train_step_ms'], plural=True)} that."
        )
    small, large = rows[0], rows[-1]
    backward = large["backward_ms"] / large["forward_ms"]
    if backward > 1:
        verdict = (
            f"On the {network(large)} network the matrix products show: backward, with "
            f"twice the flops of forward, takes {_ratio(backward)} times as long."
        )
    else:
        verdict = (
            f"On the {network(large)} network backward, with twice the flops of forward, "
            f"takes no longer ({_ratio(backward)} times as long): even there the "
            "products do not decide."
        )
    s_small, s_large = products_share(small), products_share(large)
    trend = (
        "the larger the network, the more of its time goes to the products"
        if s_large > s_small
        else "the larger network did not spend more of its time in the products"
    )
    return "\n".join(
        [
            *lines,
            "",
            f"{verdict} Forward and backward, which hold every matrix product, take "
            f"{s_small:.0%} of the phases' time on {network(small)} and {s_large:.0%} "
            f"on {network(large)}: {trend}.",
        ]
    )


# --- checks


def checks_text(results):
    """``nnmath.linear`` against the bare layer, and what repeated checks cost a step."""
    rows = results["checks"]
    body = []
    lines = []
    for r in rows:
        shape = f"({r['batch']}, {r['in']}) @ ({r['in']}, {r['out']})"
        checks = r["linear_us"] - r["bare_us"]
        body.append(
            [
                shape,
                f"{r['linear_us']:.1f}",
                f"{r['bare_us']:.1f}",
                f"{checks:.1f} ({checks / r['linear_us']:.0%})",
                f"{r['isfinite_us']:.1f}",
                f"{r['matmul_us']:.1f}",
            ]
        )
        lines.append(
            f"- {shape}: the checks take {checks / r['linear_us']:.0%} of the call; "
            f"a finite check of X takes {r['isfinite_us'] / r['matmul_us']:.0%} of the "
            f"time of the product X @ W."
        )
    head = ["product", "linear µs", "X @ W + b µs", "checks µs", "isfinite(X) µs"]
    wide = rows[-1]
    cheaper = "less" if wide["isfinite_us"] < wide["matmul_us"] else "more"
    step = results["phases"][0]
    repeated = step["checked_ms"] / step["train_step_ms"]
    if repeated > 1:
        cost = (
            f"take {_ratio(repeated)} times as long as one `train_step`, which checks "
            f"once: the repeated checks add {repeated - 1:.0%} to a step"
        )
    else:
        cost = (
            "take no longer than one `train_step`, which checks once "
            f"({_ratio(repeated)} times as long): here the repeated checks did not show"
        )
    return "\n".join(
        [
            table([*head, "X @ W µs"], body),
            "",
            *lines,
            "",
            f"On the wider layer the finite check costs {cheaper} than the product it "
            f"guards. On the {network(step)} network the four phases of a step called "
            f"one by one, each checking its own input, {cost}.",
        ]
    )


# --- train steps


def step_ratio(row):
    """nnmath's time over the lean step's."""
    return row["nnmath_ms"] / row["lean_ms"]


def steps_table(results):
    """Milliseconds per step, the ratios and whether nnmath meets its target."""
    missing = (
        "not run" if results["provenance"]["software"]["torch"] else "not installed"
    )
    body = []
    for r in results["train_steps"]:
        torch_ms = missing if r["torch_ms"] is None else f"{r['torch_ms']:.3f}"
        over_torch = (
            "-" if r["torch_ms"] is None else f"{r['nnmath_ms'] / r['torch_ms']:.2f}"
        )
        verdict = meets(step_ratio(r), r["target"])
        body.append(
            [
                f"{label(r)}, {r['dtype']}",
                f"{r['nnmath_ms']:.3f}",
                f"{r['lean_ms']:.3f}",
                torch_ms,
                f"{step_ratio(r):.2f} (≤ {r['target']}: {verdict})",
                over_torch,
            ]
        )
    head = ["network, batch, dtype", "nnmath ms", "lean ms", "torch ms"]
    return table([*head, "nnmath / lean (target)", "nnmath / torch"], body)


def steps_text(results):
    """What the train steps say: targets, the tiny network, the trend with size."""
    rows = results["train_steps"]
    met = [r for r in rows if step_ratio(r) <= r["target"]]
    missed = [f"{network(r)} in {r['dtype']}" for r in rows if r not in met]
    summary = f"`nnmath` meets its target on {len(met)} of the {len(rows)} rows"
    lines = [summary + (f"; it misses on {', '.join(missed)}." if missed else ".")]
    tiny = [r for r in rows if r["sizes"] == rows[0]["sizes"]]
    large = [r for r in rows if r["sizes"] == rows[-1]["sizes"]]
    loops = results["loops"]
    gflops = product_flops(loops["m"], loops["n"], loops["k"]) / loops["matmul_s"] / 1e9
    arithmetic = 3 * flops(tiny[0]) / (gflops * 1e9) * 1e3  # ms: forward + backward
    lean = min(r["lean_ms"] for r in tiny)
    most = (
        "most of a step is the fixed cost of its calls, not arithmetic"
        if arithmetic < lean / 2
        else "arithmetic is most of a step"
    )
    lines.append(
        f"On the tiny {network(tiny[0])} network a step does "
        f"{3 * flops(tiny[0]) / 1e6:.2f} Mflop of matrix products (forward and "
        f"backward): {1e3 * arithmetic:.0f} µs at the {gflops:.0f} GFLOP/s that `A @ B` "
        f"reached above, against {1e3 * lean:.0f} µs for the fastest lean step: {most}."
    )
    if all(r["torch_ms"] is not None for r in tiny):
        slower = all(r["torch_ms"] > r["lean_ms"] for r in tiny)
        each = " and ".join(
            f"{_ratio(r['torch_ms'] / r['lean_ms'])} ({r['dtype']})" for r in tiny
        )
        if slower:
            lines.append(
                f"There PyTorch's fixed cost per step shows: it takes {each} times as "
                "long as the lean step."
            )
        else:
            lines.append(
                f"There PyTorch's fixed cost per step does not show: its time over the "
                f"lean step's is {each}."
            )
    for a, b in zip(tiny, large):
        closer = abs(math.log(step_ratio(b))) < abs(math.log(step_ratio(a)))
        text = (
            f"From {network(a)} to {network(b)} in {a['dtype']}, nnmath's time over the "
            f"lean step's goes from {step_ratio(a):.2f} to {step_ratio(b):.2f}"
        )
        if a["torch_ms"] is not None and b["torch_ms"] is not None:
            ta, tb = a["torch_ms"] / a["lean_ms"], b["torch_ms"] / b["lean_ms"]
            text += f", PyTorch's from {ta:.2f} to {tb:.2f}"
            closer = closer and abs(math.log(tb)) < abs(math.log(ta))
        lines.append(
            text + (": both closer to 1." if closer else ": not both closer to 1.")
        )
    return "\n".join(f"- {line}" for line in lines)


def steps_figure(results):
    """Each contender's time per step over the lean step's, with nnmath's targets."""
    import numpy as np

    from nnmath_site.plotting import COLORS, INK, new_figure

    rows = results["train_steps"]
    with_torch = all(r["torch_ms"] is not None for r in rows)
    y = np.arange(len(rows))[::-1].astype(float)
    fig, ax = new_figure(width=5.2, height=0.62 * len(rows) + 1.1)
    height = 0.38 if with_torch else 0.6
    shift = height / 2 if with_torch else 0.0
    ax.barh(y + shift, [step_ratio(r) for r in rows], height, label="nnmath")
    if with_torch:
        theirs = [r["torch_ms"] / r["lean_ms"] for r in rows]
        ax.barh(y - shift, theirs, height, label="PyTorch", color=COLORS[1])
    ax.scatter(
        [r["target"] for r in rows],
        y + shift,
        marker="|",
        s=300,
        linewidths=2.4,
        color=INK,
        label="nnmath's target",
        zorder=3,
    )
    ax.axvline(1.0, color=INK, linewidth=1, linestyle="--")
    ax.set_xscale("log")
    shown = [1.0, *(r["target"] for r in rows), *(b.get_width() for b in ax.patches)]
    low, high = math.floor(math.log2(min(shown))), math.ceil(math.log2(max(shown)))
    ticks = [2.0**e for e in range(low, high + 1)]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_xlim(ticks[0], ticks[-1])
    ax.minorticks_off()
    ax.set_yticks(y, [f"{network(r)}\n{r['dtype']}" for r in rows])
    ax.set_xlabel("time per step / the lean step's (dashed: equal)")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=10)
    return fig


def steps_figure_alt(results):
    """The figure's text alternative: what it shows, with its numbers."""
    parts = []
    for r in results["train_steps"]:
        part = f"{network(r)} {r['dtype']}: nnmath {step_ratio(r):.2f}"
        if r["torch_ms"] is not None:
            part += f", PyTorch {r['torch_ms'] / r['lean_ms']:.2f}"
        parts.append(f"{part} (target {r['target']})")
    return (
        "Horizontal bars, log scale: time per train step divided by the lean NumPy "
        "step's, for each network and dtype. " + "; ".join(parts) + "."
    )


# --- digits


def digits_text(results):
    """The digits run: table of time and accuracy, and how the time compares."""
    r = results["digits"]
    acc = r["accuracy_target"]
    body = [
        [
            who,
            f"{r[key + '_s']:.2f}",
            f"{r[key + '_accuracy']:.1%} (≥ {acc:.0%}: "
            f"{meets(r[key + '_accuracy'], acc, at_most=False)})",
        ]
        for who, key in [("nnmath", "nnmath"), ("scikit-learn", "sklearn")]
    ]
    ratio = r["nnmath_s"] / r["sklearn_s"]
    head = [f"digits, {r['epochs']} epochs", "seconds", "test accuracy (target)"]
    return "\n".join(
        [
            table(head, body),
            "",
            f"`nnmath` trains in {ratio:.2f} times scikit-learn's time: it "
            f"{times_as(r['nnmath_s'], r['sklearn_s'])} scikit-learn, and "
            f"{meets(ratio, r['ratio_target'])} its target of at most "
            f"{r['ratio_target']} times.",
        ]
    )


# --- hidden costs


def allocator_text(t):
    """What the allocator did with two temporaries in one process, from its page faults."""
    one, two = t["one_at_a_time_ms"], t["two_alive_ms"]
    text = (
        f"making two temporaries with both alive {times_as(two, one)} making them one "
        "at a time"
    )
    f1, f2 = t["one_at_a_time_faults"], t["two_alive_faults"]
    if f1 is None or f2 is None:
        return text
    handed = "handed its blocks back" if f2 > 2 * f1 + 100 else "kept its blocks"
    return (
        f"{text}, with {f2:,.0f} page faults per call against {f1:,.0f}: "
        f"the allocator {handed}"
    )


def hidden_costs_text(results):
    """What the two hidden costs cost on the measuring machine."""
    r = results["hidden_costs"]
    s, t = r["scalar"], r["temporaries"]
    rows, cols = r["shape"]
    return "\n".join(
        [
            f"- On a ({rows}, {cols}) {r['dtype']} array, multiplying by the NumPy "
            f"scalar {times_as(s['numpy_scalar_ms'], s['python_float_ms'])} "
            "multiplying by the Python float.",
            f"- In a fresh Python process, {allocator_text(t['fresh'])}.",
            "- In the benchmark's own process, after every other measurement, "
            f"{allocator_text(t['after_run'])}.",
        ]
    )


TEXTS = {
    "loops": loops_text,
    "phases": phases_text,
    "checks": checks_text,
    "train_steps": lambda results: steps_table(results) + "\n\n" + steps_text(results),
    "digits": digits_text,
    "hidden_costs": hidden_costs_text,
}
