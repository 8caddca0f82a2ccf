"""How training scales: epoch time against data size, and a memmap larger than half of memory.

1. Epoch time of the MNIST-shaped MLP (784-256-128-10, Adam, batch 128) at 15,000, 30,000 and
   60,000 samples: time per sample should stay constant (linear scaling).
2. ``fit`` on a ``np.memmap`` file of ``--gigabytes`` GB (default 13, more than half of a 24 GiB
   machine): the process's anonymous memory (``RssAnon``: what training itself allocates, as
   opposed to the kernel's reclaimable page cache of the file) is sampled while it trains and
   must stay flat. Training runs for ``--steps`` batches spread over the whole file (a stream of
   contiguous reads), and once through ``fit(memmap)`` on a slice of a few GB.

    python benchmarks/scaling.py [--gigabytes 13] [--folder /tmp]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np

import deepgrad as dg
from deepgrad.layers import Dense, Input


def rss_anon_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def model(features: int) -> dg.Sequential:
    dg.set_seed(0)
    net = dg.Sequential([Input((features,)), Dense(256, activation="relu"), Dense(128, activation="relu"), Dense(10)])
    net.compile(optimizer="adam", loss=dg.losses.SparseCategoricalCrossentropy(from_logits=True))
    return net


def linear_scaling() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((60_000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 60_000)
    net = model(784)
    net.fit(x[:6000], y[:6000], batch_size=128, verbose=0)  # warm-up
    print("| samples | epoch (median of 3) | µs per sample |")
    print("|---|---|---|")
    for n in (15_000, 30_000, 60_000):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            net.fit(x[:n], y[:n], batch_size=128, epochs=1, verbose=0, seed=0)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(f"| {n:,} | {median:.3f} s | {median / n * 1e6:.2f} |")


def large_memmap(gigabytes: float, folder: str, steps: int) -> None:
    features = 256
    rows = int(gigabytes * 1e9 / (features * 4))
    path = os.path.join(folder, "deepgrad-scaling.npy")
    print(f"\nwriting {rows:,} x {features} float32 ({rows * features * 4 / 1e9:.1f} GB) to {path} ...")
    start = time.perf_counter()
    stored = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, features))
    block = 1 << 18
    rng = np.random.default_rng(0)
    noise = rng.random((block, features), dtype=np.float32)
    for first in range(0, rows, block):
        stored[first : first + block] = noise[: min(block, rows - first)]
    stored.flush()
    del stored
    print(f"written in {time.perf_counter() - start:.0f} s")
    try:
        x = np.load(path, mmap_mode="r")
        labels = np.arange(rows) % 10
        net = model(features)
        samples = []
        batch = 1024
        stride = max(1, rows // (steps * batch)) * batch

        def spread_batches():  # contiguous reads from every part of the file
            for k in range(steps):
                first = (k * stride) % (rows - batch)
                yield x[first : first + batch], labels[first : first + batch]
                if k % 50 == 0:
                    samples.append(rss_anon_mb())

        before = rss_anon_mb()
        start = time.perf_counter()
        net.fit(spread_batches, epochs=1, verbose=0)
        elapsed = time.perf_counter() - start
        print(f"stream over the whole file: {steps} batches of {batch} in {elapsed:.1f} s; anonymous memory "
              f"before {before:.0f} MB, during min {min(samples):.0f} / max {max(samples):.0f} MB")
        part = x[: min(rows, int(3e9 / (features * 4)))]
        before = rss_anon_mb()
        start = time.perf_counter()
        net.fit(part, labels[: len(part)], batch_size=batch, epochs=1, verbose=0, shuffle=False)
        print(f"fit(memmap) on {len(part):,} rows ({part.nbytes / 1e9:.1f} GB): {time.perf_counter() - start:.1f} s; "
              f"anonymous memory before {before:.0f} MB, after {rss_anon_mb():.0f} MB")
    finally:
        os.remove(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=13.0)
    parser.add_argument("--folder", default=tempfile.gettempdir())
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args()
    linear_scaling()
    if args.gigabytes > 0:
        large_memmap(args.gigabytes, args.folder, args.steps)


if __name__ == "__main__":
    main()
