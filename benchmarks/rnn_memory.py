"""Memory of backpropagation through time: the peak that one training step of an LSTM adds,
at three sequence lengths.

The forward keeps every step's gates and states for the backward, so the peak should grow in
proportion to the number of steps — linearly, nothing quadratic — and by what those arrays
hold: per sample and step, the gates (4·units), the cell's activation (units), the states h
and c (2·units) and, in the backward, the gradient of the states (2·units). (The compiled call
projects each step's inputs as it runs them and forms the weights' gradients step by step from
the step's gradient while it is in cache, so neither the projected inputs nor their gradient
is kept for the whole sequence.) Measured with ``tracemalloc``, which sees NumPy's array memory;
one step on a batch of 64, LSTM 128 on 32 features, float32, run once to warm up and then
measured.

    python benchmarks/rnn_memory.py [--lengths 50,100,200]
"""

from __future__ import annotations

import argparse
import tracemalloc

import numpy as np

BATCH, FEATURES, UNITS = 64, 32, 128


def peak_of_one_step(steps: int) -> int:
    """Bytes one ``train_on_batch`` allocates at its peak, above what was held before it."""
    import deepgrad as dg
    from deepgrad import layers as L

    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, steps, FEATURES), dtype=np.float32)
    y = rng.standard_normal((BATCH, 1), dtype=np.float32)
    model = dg.Sequential([L.Input((steps, FEATURES)), L.LSTM(UNITS, seed=0), L.Dense(1, seed=0)])
    model.compile(optimizer=dg.optimizers.Adam(1e-3), loss="mse")
    model.train_on_batch(x, y)  # records the step and makes the optimizer's state
    tracemalloc.start()
    held = tracemalloc.get_traced_memory()[0]
    model.train_on_batch(x, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="50,100,200")
    lengths = [int(v) for v in parser.parse_args().lengths.split(",")]
    per_step = BATCH * 4 * (4 + 1 + 2 + 2) * UNITS  # bytes the arrays above hold per step
    print(f"LSTM {UNITS}, batch {BATCH}, {FEATURES} features, float32: peak of one training step")
    print("\n| steps | peak | peak per step | the saved arrays per step |")
    print("|---|---|---|---|")
    peaks = {}
    for steps in lengths:
        peaks[steps] = peak_of_one_step(steps)
        print(f"| {steps} | {peaks[steps] / 2**20:.1f} MiB | {peaks[steps] / steps / 2**10:.0f} KiB "
              f"| {per_step / 2**10:.0f} KiB |", flush=True)
    first, last = lengths[0], lengths[-1]
    growth = (peaks[last] - peaks[first]) / (last - first)
    print(f"\ngrowth from {first} to {last} steps: {growth / 2**10:.0f} KiB per step; "
          f"peak({last}) / peak({first}) = {peaks[last] / peaks[first]:.2f} "
          f"(linear: {last / first:.2f})")


if __name__ == "__main__":
    main()
