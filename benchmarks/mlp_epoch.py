"""Training epochs of MNIST-shaped networks: deepgrad ``fit`` vs PyTorch eager, Keras 3 on JAX and
scikit-learn.

60,000 × 784 float32 inputs, Adam 1e-3, batch 128 — one epoch is 469 optimizer steps. The
networks (``--network``):

* ``mlp`` — 784-256-128-10 ReLU, softmax cross-entropy from the logits;
* ``batchnorm`` — the same with BatchNormalization after each hidden layer;
* ``l2`` — the same with an L2 penalty (1e-4·Σw²) on every kernel (a stronger one, on random
  data, drives the weights to subnormal numbers, on which every framework slows down);
* ``softmax`` — the same with a softmax output layer and categorical cross-entropy on one-hot
  labels (the probabilities' logarithm, as Keras computes it);
* ``residual`` — 784-256, two residual blocks (256-256 ReLU, 256-256, plus the identity), 256-10.

Each framework runs the same network in its own worker process (so one framework's idle BLAS or
OpenMP threads cannot spin against another's), and the workers take turns epoch by epoch, so
they share the machine's load; each reports its epochs 2–5 (epoch 1 includes warm-up and, for
JAX, compilation), and deepgrad's time is divided by each other's twice: median by median over
epochs 2–5, and round by round (an epoch of each framework, one after the other) with the
median of those ratios over every round after the first, which cancels most of the load the
machines' neighbours add. Also reported: the GEMM limit (the epoch's matrix-product FLOPs
divided by the float32 matmul throughput, measured after every round) and deepgrad's peak
memory growth across epochs. Each epoch starts 0.3 s after the previous one ended, when the
threads the previous one left spinning have gone idle.

The data are random (the timing does not depend on the values); pass ``--mnist DIR`` to use the
real IDX files instead.

    python benchmarks/mlp_epoch.py [--network mlp] [--epochs 5]
        [--frameworks deepgrad,deepgrad-custom,deepgrad-functional,deepgrad-numpy,torch,keras,sklearn]

"deepgrad" runs as installed (with its compiled kernels when the C extension was built);
"deepgrad-custom" builds the network from a user-written dense layer (``Layer`` subclass,
``add_weight`` in ``build``, ``call`` in Tensor operations, no ``compute_output_shape``) instead
of the built-in ``Dense``; "deepgrad-functional" writes the network as a functional model,
``Model(inputs, outputs)``, instead of a ``Sequential``; "deepgrad-numpy" forces the NumPy
passes, as on an installation without a C compiler.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

N, D, H1, H2, C, BATCH, LR, L2 = 60_000, 784, 256, 128, 10, 128, 1e-3, 1e-4
NETWORKS = ("mlp", "batchnorm", "l2", "softmax", "residual")
#: Seconds between one worker's epoch and the next: OpenBLAS's idle threads spin for about 0.1 s
#: after their last product (OpenMP's for less), which would slow whichever worker runs next.
SETTLE = 0.3


def dense_sizes(network: str) -> list[tuple[int, int]]:
    """(inputs, outputs) of each dense layer of ``network``, in order."""
    if network == "residual":
        return [(D, H1)] + [(H1, H1)] * 4 + [(H1, C)]
    return [(D, H1), (H1, H2), (H2, C)]


def gemm_limit_seconds(network: str) -> float:
    """FLOPs of one epoch's matrix products ÷ measured float32 matmul throughput."""
    rng = np.random.default_rng(0)
    a = rng.random((BATCH, D), dtype=np.float32)
    b = rng.random((D, H1), dtype=np.float32)
    for _ in range(20):
        a @ b
    reps = 200
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    flops_per_s = 2 * BATCH * D * H1 * reps / (time.perf_counter() - start)
    # forward and weight gradients for every layer, input gradients for all but the first
    sizes = dense_sizes(network)
    per_sample = sum(2 * i * o * 3 for i, o in sizes) - 2 * sizes[0][0] * sizes[0][1]
    return per_sample * N / flops_per_s


def deepgrad_custom_dense():
    """A dense layer as a user writes one: weights from add_weight, call in Tensor operations."""
    import deepgrad as dg

    class MyDense(dg.layers.Layer):
        def __init__(self, units, activation=None, **kwargs):
            super().__init__(**kwargs)
            self.units, self.activation = units, dg.activations.get(activation)

        def build(self, input_shape):
            self.kernel = self.add_weight("kernel", (input_shape[-1], self.units), "glorot_uniform")
            self.bias = self.add_weight("bias", (self.units,), "zeros")

        def call(self, x, training=False):
            return self.activation(x @ self.kernel + self.bias)

    return MyDense


class DeepgradRunner:
    name = "deepgrad"

    def __init__(self, x, y, network):
        import deepgrad as dg
        from deepgrad.layers import BatchNormalization, Dense, Input, Residual

        dg.set_seed(0)
        dense = deepgrad_custom_dense() if self.name.endswith("user-written Dense") else Dense
        regularizer = dg.regularizers.L2(L2) if network == "l2" else None
        layers = [Input((D,))]
        if network == "residual":
            layers += [dense(H1, "relu")]
            layers += [Residual([dense(H1, "relu"), dense(H1)]) for _ in range(2)]
        else:
            for units in (H1, H2):
                layers.append(dense(units, "relu", kernel_regularizer=regularizer) if regularizer
                              else dense(units, "relu"))
                if network == "batchnorm":
                    layers.append(BatchNormalization())
        if network == "softmax":
            layers.append(dense(C, "softmax"))
            loss = dg.losses.CategoricalCrossentropy()
        else:
            layers.append(dense(C, kernel_regularizer=regularizer) if regularizer else dense(C))
            loss = dg.losses.SparseCategoricalCrossentropy(from_logits=True)
        if self.name.endswith("functional Model"):
            inputs = x_ = dg.Input((D,))
            for layer in layers[1:]:
                x_ = layer(x_)
            self.model = dg.Model(inputs, x_)
        else:
            self.model = dg.Sequential(layers)
        self.model.compile(optimizer=dg.optimizers.Adam(learning_rate=LR), loss=loss)
        self.x, self.y = x, (np.eye(C, dtype=np.float32)[y] if network == "softmax" else y)

    def epoch(self):
        self.model.fit(self.x, self.y, batch_size=BATCH, epochs=1, verbose=0, seed=0)


class DeepgradCustomRunner(DeepgradRunner):
    """deepgrad with the network built from a user-written dense layer."""

    name = "deepgrad, user-written Dense"


class DeepgradFunctionalRunner(DeepgradRunner):
    """deepgrad with the network written as a functional model, Model(inputs, outputs)."""

    name = "deepgrad, functional Model"


class DeepgradNumpyRunner(DeepgradRunner):
    """deepgrad with its NumPy passes only (as installed without a C compiler)."""

    name = "deepgrad, NumPy kernels"

    def __init__(self, x, y, network):
        import deepgrad as dg

        dg.kernels.set_mode("numpy")
        super().__init__(x, y, network)


class TorchRunner:
    name = "PyTorch eager"

    def __init__(self, x, y, network):
        import torch

        nn = torch.nn
        torch.manual_seed(0)
        self.torch, self.network = torch, network

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.branch = nn.Sequential(nn.Linear(H1, H1), nn.ReLU(), nn.Linear(H1, H1))

            def forward(self, h):
                return h + self.branch(h)

        if network == "residual":
            layers = [nn.Linear(D, H1), nn.ReLU(), Block(), Block(), nn.Linear(H1, C)]
        else:
            layers = []
            for i, o in ((D, H1), (H1, H2)):
                layers += [nn.Linear(i, o), nn.ReLU()]
                if network == "batchnorm":  # Keras's defaults: momentum 0.99, epsilon 1e-3
                    layers.append(nn.BatchNorm1d(o, momentum=0.01, eps=1e-3))
            layers.append(nn.Linear(H2, C))
            if network == "softmax":
                layers.append(nn.Softmax(dim=1))
        self.model = nn.Sequential(*layers)
        self.kernels = [m.weight for m in self.model.modules() if isinstance(m, nn.Linear)]
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LR, eps=1e-7)
        self.x = torch.from_numpy(x)
        self.y = torch.from_numpy(np.eye(C, dtype=np.float32)[y] if network == "softmax" else y.astype(np.int64))
        self.loss = torch.nn.CrossEntropyLoss()

    def _loss(self, out, y):
        if self.network == "softmax":  # categorical cross-entropy of probabilities, as Keras's
            return -(y * out.clamp(1e-7, 1 - 1e-7).log()).sum(dim=1).mean()
        loss = self.loss(out, y)
        if self.network == "l2":
            loss = loss + L2 * sum((w * w).sum() for w in self.kernels)
        return loss

    def epoch(self):
        order = self.torch.randperm(N)
        for start in range(0, N, BATCH):
            index = order[start : start + BATCH]
            self.optimizer.zero_grad()
            loss = self._loss(self.model(self.x[index]), self.y[index])
            loss.backward()
            self.optimizer.step()


class KerasRunner:
    name = "Keras 3 (JAX)"

    def __init__(self, x, y, network):
        os.environ.setdefault("KERAS_BACKEND", "jax")
        import keras

        layers = keras.layers
        keras.utils.set_random_seed(0)
        regularizer = keras.regularizers.L2(L2) if network == "l2" else None
        inputs = keras.Input((D,))
        if network == "residual":
            h = layers.Dense(H1, activation="relu")(inputs)
            for _ in range(2):
                h = layers.Add()([h, layers.Dense(H1)(layers.Dense(H1, activation="relu")(h))])
        else:
            h = inputs
            for units in (H1, H2):
                h = layers.Dense(units, activation="relu", kernel_regularizer=regularizer)(h)
                if network == "batchnorm":
                    h = layers.BatchNormalization()(h)
        if network == "softmax":
            outputs = layers.Dense(C, activation="softmax")(h)
            loss = keras.losses.CategoricalCrossentropy()
        else:
            outputs = layers.Dense(C, kernel_regularizer=regularizer)(h)
            loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.model = keras.Model(inputs, outputs)
        self.model.compile(optimizer=keras.optimizers.Adam(LR), loss=loss)
        self.x, self.y = x, (np.eye(C, dtype=np.float32)[y] if network == "softmax" else y)

    def epoch(self):
        self.model.fit(self.x, self.y, batch_size=BATCH, epochs=1, verbose=0)


class SklearnRunner:
    name = "scikit-learn MLPClassifier"

    def __init__(self, x, y, network):
        from sklearn.neural_network import MLPClassifier

        if network != "mlp":
            raise ImportError(f"scikit-learn has no {network} network")
        self.model = MLPClassifier(hidden_layer_sizes=(H1, H2), batch_size=BATCH, learning_rate_init=LR,
                                   alpha=0.0, random_state=0)
        self.x, self.y, self.classes = x, y, np.arange(C)

    def epoch(self):
        self.model.partial_fit(self.x, self.y, classes=self.classes)


RUNNERS = {"deepgrad": DeepgradRunner, "deepgrad-custom": DeepgradCustomRunner,
           "deepgrad-functional": DeepgradFunctionalRunner,
           "deepgrad-numpy": DeepgradNumpyRunner, "torch": TorchRunner, "keras": KerasRunner,
           "sklearn": SklearnRunner}


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_data(mnist_dir):
    if mnist_dir:
        from deepgrad.datasets import load_mnist

        (x, y), _ = load_mnist(mnist_dir)
        return x.reshape(len(x), -1).astype(np.float32) / 255, y.astype(np.int64)
    rng = np.random.default_rng(0)
    return rng.random((N, D), dtype=np.float32), rng.integers(0, C, N)


def worker(key: str, network: str, mnist_dir) -> None:
    """Build one framework's model, then run an epoch for every line read from stdin and
    answer with its time and the process's peak memory."""
    import sys

    x, y = load_data(mnist_dir)
    try:
        runner = RUNNERS[key](x, y, network)
    except ImportError as error:
        print(f"unavailable {error}", flush=True)
        return
    print(f"ready {runner.name}", flush=True)
    for _ in sys.stdin:
        start = time.perf_counter()
        runner.epoch()
        print(f"{time.perf_counter() - start} {peak_rss_mb()}", flush=True)


def main() -> None:
    import subprocess
    import sys

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--network", choices=NETWORKS, default="mlp")
    parser.add_argument("--frameworks", default="deepgrad,deepgrad-numpy,torch,keras,sklearn")
    parser.add_argument("--mnist", metavar="DIR", help="folder with the MNIST IDX files")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.network, args.mnist)
        return

    print(f"network: {args.network}", flush=True)
    workers = {}
    for key in args.frameworks.split(","):
        command = [sys.executable, __file__, "--worker", key, "--network", args.network]
        command += ["--mnist", args.mnist] if args.mnist else []
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        status = process.stdout.readline().strip()
        if not status.startswith("ready"):
            print(f"skipping {key}: {status}")
            process.wait()
            continue
        workers[status.split(" ", 1)[1]] = process
    times: dict[str, list[float]] = {name: [] for name in workers}
    memory: dict[str, list[float]] = {name: [] for name in workers}
    limits: list[float] = []  # measured once per round, between the frameworks' epochs
    for epoch in range(args.epochs):
        for name, process in workers.items():
            time.sleep(SETTLE)  # the previous worker's idle BLAS/OpenMP threads stop spinning
            process.stdin.write("go\n")
            process.stdin.flush()
            seconds, rss = map(float, process.stdout.readline().split())
            times[name].append(seconds)
            memory[name].append(rss)
        limits.append(gemm_limit_seconds(args.network))
        print(f"epoch {epoch + 1}: " + ", ".join(f"{n} {t[-1]:.3f} s" for n, t in times.items())
              + f", GEMM limit {limits[-1]:.3f} s", flush=True)
    for process in workers.values():
        process.stdin.close()
        process.wait()

    def later(values):  # epochs 2 and on (epoch 1 includes warm-up and compilation)
        return values[1:] if len(values) > 1 else values

    reference = {name: statistics.median(t[1:5] if len(t) > 1 else t) for name, t in times.items()}
    ours = times.get("deepgrad")

    def paired(other):  # deepgrad's epoch ÷ the other's in the same round: the load they shared
        return statistics.median(a / b for a, b in zip(later(ours), later(other)))

    print(f"\nGEMM limit (epoch FLOPs / measured float32 matmul throughput), median: "
          f"{statistics.median(limits):.3f} s")
    print("| framework | epoch 1 | median epochs 2-5 | last epoch | deepgrad ÷ this, epochs 2-5 "
          "| deepgrad ÷ this, median of rounds 2+ | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for name, t in times.items():
        ratio = f"{reference['deepgrad'] / reference[name]:.2f}" if ours else "—"
        per_round = f"{paired(t):.2f}" if ours else "—"
        print(f"| {name} | {t[0]:.3f} s | {reference[name]:.3f} s | {t[-1]:.3f} s | {ratio} | {per_round} "
              f"| {memory[name][-1]:.0f} MB |")
    if ours:
        print(f"| GEMM limit | | {statistics.median(limits[1:5] if len(limits) > 1 else limits):.3f} s | | "
              f"{reference['deepgrad'] / statistics.median(limits[1:5] if len(limits) > 1 else limits):.2f} "
              f"| {paired(limits):.2f} | |")
    if "deepgrad" in memory:
        print(f"\ndeepgrad peak RSS after each epoch (MB): {', '.join(f'{m:.0f}' for m in memory['deepgrad'])}")


if __name__ == "__main__":
    main()
