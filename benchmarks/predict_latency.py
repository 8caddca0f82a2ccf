"""Inference latency of the MNIST-shaped MLP (784-256-128-10, ReLU) at batch 1 and batch 1024.

deepgrad's ``model.predict`` (input checks included) and ``model(x)`` under ``no_grad``, against
PyTorch eager ``model(x)`` under ``torch.inference_mode()`` and, when installed, Keras 3 on JAX
(``model.predict`` and the direct ``model(x, training=False)`` call). Calls alternate between
frameworks so they share the machine's load; medians and deepgrad ÷ PyTorch are reported.

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2000)
    args = parser.parse_args()

    import deepgrad as dg

    rng = np.random.default_rng(0)
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        weights += [(rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32),
                    (rng.standard_normal(fan_out) * 0.1).astype(np.float32)]
    ours = deepgrad_model(weights)
    candidates = {"deepgrad predict": lambda x: ours.predict(x, batch_size=len(x))}

    def direct(x):
        with dg.no_grad():
            return ours(dg.Tensor(x)).data

    candidates["deepgrad model(x), no_grad"] = direct
    reference = None
    try:
        import torch

        theirs = torch_model(weights)

        def torch_call(x):
            with torch.inference_mode():
                return theirs(torch.from_numpy(x)).numpy()

        candidates["PyTorch model(x), inference_mode"] = torch_call
        reference = "PyTorch model(x), inference_mode"
    except ImportError:
        pass
    try:
        keras = keras_model(weights)
        candidates["Keras/JAX predict"] = lambda x: keras.predict(x, verbose=0, batch_size=len(x))
        candidates["Keras/JAX model(x)"] = lambda x: np.asarray(keras(x, training=False))
    except ImportError:
        pass

    for batch in (1, 1024):
        x = rng.random((batch, 784), dtype=np.float32)
        outputs = {name: np.asarray(fn(x)) for name, fn in candidates.items()}
        for name, out in outputs.items():  # all frameworks compute the same function
            np.testing.assert_allclose(out, outputs["deepgrad predict"], rtol=1e-3, atol=1e-4, err_msg=name)
        times = {name: [] for name in candidates}
        repeats = args.repeats if batch == 1 else max(50, args.repeats // 20)
        for _ in range(10):
            for fn in candidates.values():
                fn(x)
        for _ in range(repeats):
            for name, fn in candidates.items():
                start = time.perf_counter()
                fn(x)
                times[name].append(time.perf_counter() - start)
        print(f"\nbatch {batch}:")
        print("| call | median latency | ÷ PyTorch |")
        print("|---|---|---|")
        base = statistics.median(times[reference]) if reference else None
        for name, t in times.items():
            median = statistics.median(t)
            ratio = f"{median / base:.2f}" if base else "—"
            print(f"| {name} | {median * 1e6:.1f} µs | {ratio} |")


if __name__ == "__main__":
    main()
