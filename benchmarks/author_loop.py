"""The author's loop, timed against its budgets: build, serve, edit, see the edit.

Works on a copy of the project (the tree as it is, without .git, site/ and build/), so
nothing here touches your files:

1. ``mkdocs build --strict`` with an empty execution cache (every page's code runs), then
   again with the cache the first build filled (what an author's next build costs);
2. ``mkdocs serve`` on a free port; then, ``--runs`` times each, a sentence added to a page
   (docs/neuron.md) and a comment added to one module (nnmath/losses.py, inside the listed
   source of ``nnmath.mse``), each timed from the write until the served page shows it; the
   pages whose code ran again after the module edit are read from the build's report
   (build/exec-cache/last-build.json);
3. with ``--pytest``, the README's test command on the real tree (minutes).

Run from the repository root: ``.venv/bin/python benchmarks/author_loop.py [--runs 3]``.
Timings move with the machine's load: the script prints min, median and max of each.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BUDGETS = {  # seconds, on the project's 2-core machine (issue 20)
    "strict build, cache filled": 15.0,
    "serve: prose edit visible": 3.0,
    "serve: nnmath/ edit visible": 10.0,
    "README pytest, browser tests included": 180.0,
}
SKIP = (".git", ".venv", "site", "build", "node_modules", "__pycache__", ".hypothesis",
        "test-results", ".ruff_cache")  # fmt: skip


def project_copy(where: Path) -> Path:
    """The project's files in ``where/project``; node_modules (KaTeX) is linked, not copied."""
    copy = where / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*SKIP))
    if (ROOT / "node_modules").is_dir():
        (copy / "node_modules").symlink_to(
            ROOT / "node_modules", target_is_directory=True
        )
    return copy


def environment(copy: Path) -> dict[str, str]:
    # the copy's nnmath and nnmath_site, not the installed (editable) ones; a local build
    # (the cache replays), not CI's fresh one
    env = {**os.environ, "PYTHONPATH": str(copy), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("CI", None)
    env["NNMATH_EXEC_CACHE"] = "on"
    return env


def strict_build(copy: Path, site: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=copy, env=environment(copy), capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0 or "WARNING" in done.stderr:
        raise SystemExit(f"the strict build failed:\n{done.stderr[-3000:]}")
    return seconds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def wait_for(url: str, text: str, timeout: float) -> float:
    """Seconds until the page at ``url`` contains ``text`` (polled every 50 ms)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if text in fetch(url):
            return time.perf_counter() - started
        time.sleep(0.05)
    raise SystemExit(f"{url} did not show {text!r} within {timeout:.0f} s")


def edit_prose(copy: Path, marker: str) -> None:
    page = copy / "docs" / "neuron.md"
    page.write_text(
        page.read_text(encoding="utf-8") + f"\n\n{marker}\n", encoding="utf-8"
    )


def edit_module(copy: Path, marker: str) -> None:
    """A comment on the last line of ``nnmath.mse``, which the Loss functions page lists."""
    path = copy / "nnmath" / "losses.py"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("def mse("))
    end = next(
        i
        for i in range(start + 1, len(lines))
        if lines[i] and not lines[i][0].isspace()
    )
    last = max(i for i in range(start, end) if lines[i].strip())
    lines[last] += f"  # {marker}"
    path.write_text("\n".join(lines), encoding="utf-8")


def reran(copy: Path) -> list[str]:
    report = json.loads((copy / "build" / "exec-cache" / "last-build.json").read_text())
    return sorted(page for page, fences in report["fences"].items() if fences["ran"])


def serve_edits(copy: Path, runs: int) -> dict[str, list[float]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    log = open(copy / "serve.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=copy, env=environment(copy), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    times: dict[str, list[float]] = {
        "serve: prose edit visible": [],
        "serve: nnmath/ edit visible": [],
    }
    try:
        wait_for(base, "nnmath", timeout=300)
        for run in range(runs):
            marker = f"Author-loop probe {run} {time.time_ns()}."
            time.sleep(1.0)  # let the watcher settle after the previous rebuild
            edit_prose(copy, marker)
            times["serve: prose edit visible"].append(
                wait_for(base + "neuron/", marker, timeout=120)
            )
            marker = f"author_loop_probe_{run}_{time.time_ns()}"
            time.sleep(1.0)
            edit_module(copy, marker)
            times["serve: nnmath/ edit visible"].append(
                wait_for(base + "losses/", marker, timeout=300)
            )
            time.sleep(1.0)  # the build's report is written after the page
            print(f"  run {run + 1}: after the nnmath/losses.py edit these pages ran code"
                  f" again: {', '.join(reran(copy))}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    return times


def readme_pytest() -> float:
    started = time.perf_counter()
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "pytest"), "-q"], cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit("pytest failed")
    return seconds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--runs", type=int, default=3, help="repeats of each measurement"
    )
    parser.add_argument(
        "--pytest", action="store_true", help="also time the README's pytest"
    )
    parser.add_argument(
        "--serve-only", action="store_true", help="one pair of builds, then serve"
    )
    args = parser.parse_args(argv)

    times: dict[str, list[float]] = {"strict build, empty cache": [],
                                     "strict build, cache filled": []}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="author-loop-") as tmp:
        for run in range(1 if args.serve_only else args.runs):
            copy = project_copy(Path(tmp) / f"build-{run}")
            times["strict build, empty cache"].append(
                strict_build(copy, Path(tmp) / "s1")
            )
            times["strict build, cache filled"].append(
                strict_build(copy, Path(tmp) / "s2")
            )
            print(f"  run {run + 1}: strict builds "
                  f"{times['strict build, empty cache'][-1]:.1f} s empty cache, "
                  f"{times['strict build, cache filled'][-1]:.1f} s cache filled")  # fmt: skip
        times.update(serve_edits(copy, args.runs))
    if args.pytest:
        times["README pytest, browser tests included"] = [readme_pytest()]

    print(
        f"\n{'measurement':42} {'budget':>8} {'min':>7} {'median':>7} {'max':>7}  verdict"
    )
    for name, values in times.items():
        budget = BUDGETS.get(name)
        best, median, worst = min(values), statistics.median(values), max(values)
        verdict = "(no budget)" if budget is None else (
            "holds" if worst <= budget else "MISSED" if best > budget else "holds at best"
        )  # fmt: skip
        shown = f"{budget:.0f} s" if budget else "-"
        print(
            f"{name:42} {shown:>8} {best:6.1f}s {median:6.1f}s {worst:6.1f}s  {verdict}"
        )


if __name__ == "__main__":
    main()
