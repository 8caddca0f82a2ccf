"""Inference latency of the MNIST-shaped MLP (784-256-128-10, ReLU) at batch 1 and batch 1024.

deepgrad's ``model.predict`` (input checks included) and ``model(x)`` under ``no_grad``, against
PyTorch eager ``model(x)`` under ``torch.inference_mode()`` and, when installed, Keras 3 on JAX
(``model.predict`` and the direct ``model(x, training=False)`` call). Each framework runs in its
own worker process (so no framework's idle threads spin against another's); the workers take
turns in chunks of calls, so they share the machine's load, each chunk starting 0.3 s after the
previous one (when the threads it left spinning have gone idle); medians and deepgrad ÷ PyTorch
are reported.

    python benchmarks/predict_latency.py [--repeats 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

SIZES = (784, 256, 128, 10)


def deepgrad_model(weights):
    import deepgrad as dg
    from deepgrad.layers import Dense, Input

    model = dg.Sequential([Input((784,)), Dense(256, activation="relu"), Dense(128, activation="relu"), Dense(10)])
    model.set_weights(weights)
    return model


def torch_model(weights):
    import torch

    torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    layers = [torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)]
    model = torch.nn.Sequential(*layers).eval()
    with torch.no_grad():
        for layer, (kernel, bias) in zip(layers[::2], zip(weights[::2], weights[1::2])):
            layer.weight.copy_(torch.from_numpy(kernel.T.copy()))
            layer.bias.copy_(torch.from_numpy(bias))
    return model


def keras_model(weights):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10)])
    model.set_weights(weights)
    return model


def candidates_for(framework: str, weights) -> dict:
    """Name -> function of a batch, for one framework (empty when it is not installed)."""
    if framework == "deepgrad":
        import deepgrad as dg

        ours = deepgrad_model(weights)

        def direct(x):
            with dg.no_grad():
                return ours(dg.Tensor(x)).data

        return {"deepgrad predict": lambda x: ours.predict(x, batch_size=len(x)),
                "deepgrad model(x), no_grad": direct}
    if framework == "torch":
        try:
            import torch
        except ImportError:
            return {}
        theirs = torch_model(weights)

        def torch_call(x):
            with torch.inference_mode():
                return theirs(torch.from_numpy(x)).numpy()

        return {"PyTorch model(x), inference_mode": torch_call}
    try:
        keras = keras_model(weights)
    except ImportError:
        return {}
    return {"Keras/JAX predict": lambda x: keras.predict(x, verbose=0, batch_size=len(x)),
            "Keras/JAX model(x)": lambda x: np.asarray(keras(x, training=False))}


def make_weights():
    rng = np.random.default_rng(0)
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        weights += [(rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32),
                    (rng.standard_normal(fan_out) * 0.1).astype(np.float32)]
    return weights


def worker(framework: str) -> None:
    """Answer "batch calls" lines with the latencies of each candidate, as JSON."""
    import json
    import sys

    candidates = candidates_for(framework, make_weights())
    print(json.dumps(sorted(candidates)), flush=True)
    inputs = {b: np.random.default_rng(b).random((b, 784), dtype=np.float32) for b in (1, 1024)}
    for line in sys.stdin:
        batch, calls = map(int, line.split())
        x = inputs[batch]
        out = {}
        for name, fn in candidates.items():
            fn(x)
            times = []
            for _ in range(calls):
                start = time.perf_counter()
                fn(x)
                times.append(time.perf_counter() - start)
            out[name] = times
        print(json.dumps(out), flush=True)


def main() -> None:
    import json
    import subprocess
    import sys

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2000)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    workers = []
    for framework in ("deepgrad", "torch", "keras"):
        process = subprocess.Popen([sys.executable, __file__, "--worker", framework],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if json.loads(process.stdout.readline()):
            workers.append(process)
        else:
            process.stdin.close()
            process.wait()
    reference = "PyTorch model(x), inference_mode"
    for batch in (1, 1024):
        total = args.repeats if batch == 1 else max(50, args.repeats // 20)
        chunk = max(10, total // 10)
        times: dict[str, list[float]] = {}
        for _ in range(-(-total // chunk)):
            for process in workers:
                time.sleep(0.3)  # the previous worker's idle BLAS/OpenMP threads stop spinning
                process.stdin.write(f"{batch} {chunk}\n")
                process.stdin.flush()
                for name, t in json.loads(process.stdout.readline()).items():
                    times.setdefault(name, []).extend(t)
        print(f"\nbatch {batch}:")
        print("| call | median latency | ÷ PyTorch |")
        print("|---|---|---|")
        base = statistics.median(times[reference]) if reference in times else None
        for name, t in times.items():
            median = statistics.median(t)
            print(f"| {name} | {median * 1e6:.1f} µs | {f'{median / base:.2f}' if base else '—'} |")
    for process in workers:
        process.stdin.close()
        process.wait()


if __name__ == "__main__":
    main()
