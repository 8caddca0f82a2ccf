"""``import deepgrad`` time (fresh interpreter each run), next to ``import torch`` and ``import
keras`` on JAX when installed; medians of interleaved runs.

    python benchmarks/import_time.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

CODE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(module: str) -> float | None:
    env = dict(os.environ, KERAS_BACKEND="jax")
    done = subprocess.run([sys.executable, "-c", CODE.format(module=module)], capture_output=True, text=True, env=env)
    return float(done.stdout.strip()) if done.returncode == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    modules = ["numpy", "deepgrad", "torch", "keras"]
    times = {m: [] for m in modules}
    for _ in range(args.repeats):
        for module in modules:
            seconds = import_seconds(module)
            if seconds is not None:
                times[module].append(seconds)
    print("| import | median |")
    print("|---|---|")
    for module, t in times.items():
        print(f"| {module} | {statistics.median(t) * 1e3:.0f} ms |" if t else f"| {module} | not installed |")


if __name__ == "__main__":
    main()
