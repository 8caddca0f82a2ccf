"""Training epochs of a recurrent regressor: deepgrad ``fit`` vs PyTorch eager and Keras 3 on JAX,
and where deepgrad's epoch goes.

6,400 sequences × 50 steps × 32 features float32; one recurrent layer of 128 units (``--cell``
lstm, gru or simple_rnn), Dense 1, mean squared error, Adam 1e-3, batch 64. Each framework runs
in its own worker process and the workers take turns epoch by epoch (as in
``convnet_epoch.py``); deepgrad's median epoch (epochs 2+) is divided by each other's. Also
printed: each framework's batch-1 predict latency on one sequence and (``--profile``) where
deepgrad's epoch goes, by primitive.

    python benchmarks/rnn_epoch.py [--cell lstm] [--epochs 4] [--frameworks deepgrad,torch,keras]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from turns import FitRunner, SETTLE, ask, profile_primitives, serve, start_workers, stop

N, STEPS, FEATURES, UNITS, BATCH, LR = 6_400, 50, 32, 128, 64, 1e-3
KERAS_NAMES = {"lstm": "LSTM", "gru": "GRU", "simple_rnn": "SimpleRNN"}


def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, STEPS, FEATURES), dtype=np.float32)
    return x, x[:, -5:, :2].sum(axis=(1, 2))[:, None] * 0.1


class DeepgradRunner(FitRunner):
    name = "deepgrad"
    batch, fit_settings = BATCH, {"seed": 0}

    def __init__(self, x, y, cell):
        import deepgrad as dg
        from deepgrad import layers as L

        dg.set_seed(0)
        self.model = dg.Sequential([L.Input((STEPS, FEATURES)),
                                    getattr(L, KERAS_NAMES[cell])(UNITS), L.Dense(1)])
        self.model.compile(optimizer=dg.optimizers.Adam(LR), loss="mse")
        self.x, self.y = x, y

    def predict_one(self):
        self.model.predict(self.x[:1], verbose=0)


class TorchRunner:
    name = "PyTorch eager"

    def __init__(self, x, y, cell):
        import torch

        torch.manual_seed(0)
        self.torch = torch
        module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "simple_rnn": torch.nn.RNN}[cell]
        self.rnn = module(FEATURES, UNITS, batch_first=True)
        self.head = torch.nn.Linear(UNITS, 1)
        params = list(self.rnn.parameters()) + list(self.head.parameters())
        self.optimizer = torch.optim.Adam(params, lr=LR, eps=1e-7)
        self.x, self.y = torch.from_numpy(x), torch.from_numpy(y)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])

    def epoch(self):
        order = self.torch.randperm(N)
        for start in range(0, N, BATCH):
            index = order[start:start + BATCH]
            self.optimizer.zero_grad()
            loss = ((self.forward(self.x[index]) - self.y[index]) ** 2).mean()
            loss.backward()
            self.optimizer.step()

    def predict_one(self):
        with self.torch.no_grad():
            self.forward(self.x[:1])


class KerasRunner(FitRunner):
    name = "Keras 3 (JAX)"
    batch = BATCH

    def __init__(self, x, y, cell):
        os.environ.setdefault("KERAS_BACKEND", "jax")
        import keras

        keras.utils.set_random_seed(0)
        self.model = keras.Sequential([keras.Input((STEPS, FEATURES)),
                                       getattr(keras.layers, KERAS_NAMES[cell])(UNITS),
                                       keras.layers.Dense(1)])
        self.model.compile(optimizer=keras.optimizers.Adam(LR), loss="mse")
        self.x, self.y = x, y

    def predict_one(self):
        self.model.predict_on_batch(self.x[:1])


RUNNERS = {"deepgrad": DeepgradRunner, "torch": TorchRunner, "keras": KerasRunner}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--cell", choices=tuple(KERAS_NAMES), default="lstm")
    parser.add_argument("--frameworks", default="deepgrad,torch,keras")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        serve(lambda: RUNNERS[args.worker](*data(), args.cell))
        return
    print(f"cell: {args.cell} {UNITS}, {N} × {STEPS} × {FEATURES}, batch {BATCH}", flush=True)
    workers = start_workers(__file__, args.frameworks.split(","), ["--cell", args.cell])
    times = {name: [] for name in workers}
    for epoch in range(args.epochs):
        for name, process in workers.items():
            time.sleep(SETTLE)
            times[name].append(ask(process, "go")[0])
        print(f"epoch {epoch + 1}: " + ", ".join(f"{n} {t[-1]:.2f} s" for n, t in times.items()),
              flush=True)
    latency = {}
    for name, process in workers.items():
        time.sleep(SETTLE)
        latency[name] = ask(process, "predict")[0]
    stop(workers)
    median = {name: statistics.median(t[1:] or t) for name, t in times.items()}
    ours = "deepgrad" in median
    print("\n| framework | median epoch (2+) | deepgrad ÷ this | predict, batch 1 |")
    print("|---|---|---|---|")
    for name in times:
        ratio = median["deepgrad"] / median[name] if ours else float("nan")
        print(f"| {name} | {median[name]:.2f} s | {ratio:.2f} | {latency[name] * 1e6:.0f} µs |")
    if args.profile:
        profile_primitives(DeepgradRunner(*data(), args.cell))


if __name__ == "__main__":
    main()
