"""Training epochs of small convolutional networks: deepgrad ``fit`` vs PyTorch eager and Keras 3
on JAX, and where deepgrad's epoch goes.

Networks (``--network``):

* ``mnist`` — keras-io's mnist_convnet: 10,000 × 28×28×1 float32, Conv 32 3×3 ReLU, MaxPool 2,
  Conv 64 3×3 ReLU, MaxPool 2, Flatten, Dropout 0.5, Dense 10 softmax; Adam 1e-3, batch 128;
* ``signal`` — a 1-D network on sensor-like windows: 10,000 × 128 steps × 3 channels, Conv1D 32
  k5 ReLU, MaxPool 2, Conv1D 64 k5 ReLU, GlobalAveragePooling1D, Dense 6 softmax; same training.

Each framework runs in its own worker process and the workers take turns epoch by epoch (as in
``mlp_epoch.py``); deepgrad's median epoch (epochs 2+) is divided by each other's, median by
median and round by round. Also printed: the FLOP limit — the epoch's multiply-adds of the
convolutions and the dense layer (forward, the weights' gradients and the inputs' gradients but
the first layer's) ÷ the float32 GEMM throughput measured between rounds — each framework's
peak memory, deepgrad's batch-1 predict latency beside PyTorch's, and (``--profile``) where
deepgrad's epoch goes, by primitive.

    python benchmarks/convnet_epoch.py [--network mnist] [--epochs 4] [--frameworks deepgrad,torch,keras]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from turns import FitRunner, SETTLE, ask, profile_primitives, serve, start_workers, stop

N, BATCH, LR = 10_000, 128, 1e-3


def data(network: str):
    rng = np.random.default_rng(0)
    if network == "mnist":
        return rng.random((N, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, N)
    return rng.standard_normal((N, 128, 3), dtype=np.float32), rng.integers(0, 6, N)


def flops_per_sample(network: str) -> float:
    """Multiply-adds × 2 of forward + weight gradients + input gradients (not the first's)."""
    if network == "mnist":
        c1, c2, dense = 26 * 26 * 32 * 9, 11 * 11 * 64 * 9 * 32, 1600 * 10
        return 2 * (3 * (c1 + c2 + dense) - c1)
    c1, c2, dense = 124 * 32 * 5 * 3, 58 * 64 * 5 * 32, 64 * 6
    return 2 * (3 * (c1 + c2 + dense) - c1)


def gemm_throughput() -> float:
    rng = np.random.default_rng(0)
    a, b = rng.random((1936, 288), dtype=np.float32), rng.random((288, 64), dtype=np.float32)
    for _ in range(10):
        a @ b
    reps = 200
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * a.shape[0] * a.shape[1] * b.shape[1] * reps / (time.perf_counter() - start)


def network_layers(L, Input, network: str) -> list:
    """The benchmark's layers from a library's layer module ``L`` and ``Input`` (deepgrad's and
    Keras's take the same names and arguments)."""
    if network == "mnist":
        return [Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
                L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2), L.Flatten(),
                L.Dropout(0.5), L.Dense(10, activation="softmax")]
    return [Input((128, 3)), L.Conv1D(32, 5, activation="relu"), L.MaxPooling1D(2),
            L.Conv1D(64, 5, activation="relu"), L.GlobalAveragePooling1D(),
            L.Dense(6, activation="softmax")]


class DeepgradRunner(FitRunner):
    name = "deepgrad"
    batch, fit_settings = BATCH, {"seed": 0}

    def __init__(self, x, y, network):
        import deepgrad as dg
        from deepgrad import layers as L

        dg.set_seed(0)
        self.model = dg.Sequential(network_layers(L, L.Input, network))
        self.model.compile(optimizer=dg.optimizers.Adam(LR), loss="sparse_categorical_crossentropy")
        self.x, self.y = x, y

    def predict_one(self):
        self.model.predict(self.x[:1])


class TorchRunner:
    name = "PyTorch eager"

    def __init__(self, x, y, network):
        import torch

        nn = torch.nn
        torch.manual_seed(0)
        self.torch = torch
        if network == "mnist":
            self.model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                                       nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                                       nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))
            self.x = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        else:
            self.model = nn.Sequential(nn.Conv1d(3, 32, 5), nn.ReLU(), nn.MaxPool1d(2),
                                       nn.Conv1d(32, 64, 5), nn.ReLU(),
                                       nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(64, 6))
            self.x = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 1)))
        self.y = torch.from_numpy(y.astype(np.int64))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LR, eps=1e-7)
        self.loss = nn.CrossEntropyLoss()

    def epoch(self):
        self.model.train()
        order = self.torch.randperm(N)
        for start in range(0, N, BATCH):
            index = order[start:start + BATCH]
            self.optimizer.zero_grad()
            self.loss(self.model(self.x[index]), self.y[index]).backward()
            self.optimizer.step()

    def predict_one(self):
        self.model.eval()
        with self.torch.no_grad():
            self.model(self.x[:1])


class KerasRunner(FitRunner):
    name = "Keras 3 (JAX)"
    batch = BATCH

    def __init__(self, x, y, network):
        os.environ.setdefault("KERAS_BACKEND", "jax")
        import keras
        from keras import layers as L

        keras.utils.set_random_seed(0)
        self.model = keras.Sequential(network_layers(L, keras.Input, network))
        self.model.compile(optimizer=keras.optimizers.Adam(LR), loss="sparse_categorical_crossentropy")
        self.x, self.y = x, y

    def predict_one(self):
        self.model.predict_on_batch(self.x[:1])


RUNNERS = {"deepgrad": DeepgradRunner, "torch": TorchRunner, "keras": KerasRunner}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--network", choices=("mnist", "signal"), default="mnist")
    parser.add_argument("--frameworks", default="deepgrad,torch,keras")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        serve(lambda: RUNNERS[args.worker](*data(args.network), args.network))
        return
    print(f"network: {args.network}", flush=True)
    workers = start_workers(__file__, args.frameworks.split(","), ["--network", args.network])
    times = {name: [] for name in workers}
    memory = {name: 0.0 for name in workers}
    limits = []
    per_sample = flops_per_sample(args.network)
    for epoch in range(args.epochs):
        for name, process in workers.items():
            time.sleep(SETTLE)
            seconds, memory[name] = ask(process, "go")
            times[name].append(seconds)
        limits.append(per_sample * N / gemm_throughput())
        print(f"epoch {epoch + 1}: " + ", ".join(f"{n} {t[-1]:.2f} s" for n, t in times.items())
              + f", FLOP limit {limits[-1]:.2f} s", flush=True)
    latency = {}
    for name, process in workers.items():
        time.sleep(SETTLE)
        latency[name] = ask(process, "predict")[0]
    stop(workers)
    median = {name: statistics.median(t[1:] or t) for name, t in times.items()}
    ours = times.get("deepgrad")
    print("\n| framework | median epoch (2+) | deepgrad ÷ this | per round | peak RSS | predict, batch 1 |")
    print("|---|---|---|---|---|---|")
    for name, t in times.items():
        ratio = median["deepgrad"] / median[name] if ours else float("nan")
        rounds = statistics.median(a / b for a, b in zip(ours[1:], t[1:])) if ours and len(t) > 1 else ratio
        print(f"| {name} | {median[name]:.2f} s | {ratio:.2f} | {rounds:.2f} | {memory[name]:.0f} MB "
              f"| {latency[name] * 1e6:.0f} µs |")
    limit = statistics.median(limits)
    print(f"| FLOP limit | {limit:.2f} s | {median['deepgrad'] / limit:.2f} | | | |" if ours else "")
    if args.profile:
        profile_primitives(DeepgradRunner(*data(args.network), args.network))


if __name__ == "__main__":
    main()
