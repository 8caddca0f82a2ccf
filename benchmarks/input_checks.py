"""Cost of fit's input checks (dtype, shape, finiteness, label range) against one epoch.

MNIST-shaped data (60,000 × 784 float32, 10 classes) and the 784-256-128-10 MLP with Adam,
batch 128; the checks and an epoch alternate three times; medians and their ratio.

    python benchmarks/input_checks.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import deepgrad as dg
from deepgrad.training import inputs as training
from deepgrad.layers import Dense, Input


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((60_000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 60_000)
    model = dg.Sequential([Input((784,)), Dense(256, activation="relu"), Dense(128, activation="relu"), Dense(10)])
    model.compile(optimizer="adam", loss=dg.losses.SparseCategoricalCrossentropy(from_logits=True))
    checks, epochs = [], []
    for _ in range(3):
        start = time.perf_counter()
        training.prepare(model, x, y, None)
        checks.append(time.perf_counter() - start)
        start = time.perf_counter()
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)
        epochs.append(time.perf_counter() - start)
    check, epoch = statistics.median(checks), statistics.median(epochs)
    print(f"input checks {check * 1e3:.1f} ms; epoch {epoch:.3f} s; checks = {check / epoch:.1%} of an epoch")


if __name__ == "__main__":
    main()
