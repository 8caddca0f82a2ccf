"""Memory across a hyperparameter search: does the process grow trial after trial?

KerasTuner's users report that memory grows with every trial (keras-team/keras-tuner#395).
This runs a RandomSearch of 30 trials over a small MLP (4,000 × 32 float32 inputs, 1-3 hidden
layers of 32-512 units, 5 epochs each, Adam) in one process and reads the resident set size
(VmRSS) and its peak (VmHWM) from /proc/self/status when each trial's training ends.

    python benchmarks/tuner_memory.py [--trials 30]

Reported: RSS and peak RSS after trials 1, 5, 10, 20, 30, and the peak's growth from the end
of trial 1 to the end of the search (the bar: under 50 MB), and the journal's size.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

import deepgrad as dg
from deepgrad.callbacks import Callback
from deepgrad.tuner import RandomSearch


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


class MemoryLog(Callback):
    """RSS and peak RSS (MB) at the end of each trial's training."""

    samples: list = []

    def on_train_end(self, logs=None):
        MemoryLog.samples.append((_status_mb("VmRSS"), _status_mb("VmHWM")))


def build_model(hp):
    model = dg.Sequential([dg.layers.Input((32,))])
    for i in range(hp.Int("layers", 1, 3)):
        model.add(dg.layers.Dense(hp.Int(f"units_{i}", 32, 512, step=32), activation="relu"))
    model.add(dg.layers.Dense(4, activation="softmax"))
    model.compile(optimizer=dg.optimizers.Adam(hp.Float("lr", 1e-4, 1e-2, sampling="log")),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 32)).astype(np.float32)
    y = (x[:, :4].argmax(axis=1)).astype(np.int64)
    with tempfile.TemporaryDirectory() as folder:
        tuner = RandomSearch(build_model, objective="val_accuracy", max_trials=args.trials,
                             seed=0, directory=folder, project_name="memory")
        started = time.perf_counter()
        tuner.search(x, y, epochs=5, batch_size=64, validation_split=0.2, verbose=0,
                     callbacks=[MemoryLog()])
        seconds = time.perf_counter() - started
        journal_kb = (Path(folder) / "memory" / "search.journal").stat().st_size / 1024
    samples = MemoryLog.samples
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, deepgrad {dg.__version__}")
    print(f"{len(samples)} trials in {seconds:.1f} s; journal {journal_kb:.0f} kB")
    print("| after trial | RSS (MB) | peak RSS (MB) |")
    print("|---:|---:|---:|")
    for k in (1, 5, 10, 20, len(samples)):
        if k <= len(samples):
            rss, peak = samples[k - 1]
            print(f"| {k} | {rss:.1f} | {peak:.1f} |")
    growth = samples[-1][1] - samples[0][1]
    print(f"peak RSS growth from trial 1 to trial {len(samples)}: {growth:.1f} MB "
          f"(bar: < 50 MB: {'met' if growth < 50 else 'NOT met'})")


if __name__ == "__main__":
    main()
