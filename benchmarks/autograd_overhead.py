"""Autograd overhead: deepgrad vs PyTorch eager (CPU), interleaved in one run.

Two graphs, each timed for forward + backward:

* ``chain``: 200 small operations on (32, 32) float32 tensors (mul, add, tanh, sub, relu, ...),
  summed to a scalar — this measures the per-operation cost of the engine itself;
* ``mlp``: one 784-256-128-10 ReLU MLP step on a batch of 128 with softmax cross-entropy written
  from primitives — an MLP-sized graph where matrix products dominate.

Runs alternate deepgrad / PyTorch so both see the same machine load; medians and the ratio
(deepgrad time ÷ PyTorch time; below 1 means deepgrad is faster) are printed as a markdown table.

    python benchmarks/autograd_overhead.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import deepgrad as dg
from deepgrad.functional import log_softmax

CHAIN_LENGTH = 200


def chain(x, a, b):
    """The same code runs on deepgrad Tensors and on torch tensors (same method names)."""
    y = x
    for i in range(CHAIN_LENGTH // 5):
        y = y * a
        y = y + b
        y = y.tanh()
        y = y - a
        y = y.relu() if i % 2 else y.sigmoid()
    loss = y.sum()
    loss.backward()
    return loss


def mlp_deepgrad(x, labels, weights):
    w1, b1, w2, b2, w3, b3 = weights
    h = (x @ w1 + b1).relu()
    h = (h @ w2 + b2).relu()
    logits = h @ w3 + b3
    loss = -log_softmax(logits)[np.arange(len(labels)), labels].mean()
    loss.backward()
    return loss


def mlp_torch(x, labels, weights):
    import torch

    w1, b1, w2, b2, w3, b3 = weights
    h = (x @ w1 + b1).relu()
    h = (h @ w2 + b2).relu()
    logits = h @ w3 + b3
    loss = -torch.log_softmax(logits, dim=-1)[torch.arange(len(labels)), labels].mean()
    loss.backward()
    return loss


def _time(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def _clear(tensors):
    for t in tensors:
        t.grad = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    chain_inputs = [rng.standard_normal((32, 32)).astype(np.float32) * 0.5 for _ in range(3)]
    sizes = [(784, 256), (256,), (256, 128), (128,), (128, 10), (10,)]
    mlp_weights = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in sizes]
    batch = rng.random((128, 784), dtype=np.float32)
    labels = rng.integers(0, 10, 128)

    dg_chain = [dg.Tensor(a, requires_grad=True) for a in chain_inputs]
    dg_mlp = [dg.Tensor(w, requires_grad=True) for w in mlp_weights]
    dg_batch = dg.Tensor(batch)

    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        t_chain = [torch.tensor(a, requires_grad=True) for a in chain_inputs]
        t_mlp = [torch.tensor(w, requires_grad=True) for w in mlp_weights]
        t_batch, t_labels = torch.tensor(batch), torch.tensor(labels)
        # Same numbers from both engines, or the timing comparison means nothing.
        ours = chain(*dg_chain).item()
        theirs = chain(*t_chain).item()
        assert abs(ours - theirs) <= 1e-3 * abs(theirs), (ours, theirs)
        ours = mlp_deepgrad(dg_batch, labels, dg_mlp).item()
        theirs = mlp_torch(t_batch, t_labels, t_mlp).item()
        assert abs(ours - theirs) <= 1e-4 * abs(theirs), (ours, theirs)

    times: dict[str, list[float]] = {k: [] for k in ("chain_dg", "chain_pt", "mlp_dg", "mlp_pt")}
    for _ in range(3):  # warm-up
        chain(*dg_chain)
        mlp_deepgrad(dg_batch, labels, dg_mlp)
        if torch is not None:
            chain(*t_chain)
            mlp_torch(t_batch, t_labels, t_mlp)
    for _ in range(args.repeats):
        _clear(dg_chain)
        times["chain_dg"].append(_time(chain, *dg_chain))
        _clear(dg_mlp)
        times["mlp_dg"].append(_time(mlp_deepgrad, dg_batch, labels, dg_mlp))
        if torch is not None:
            _clear(t_chain)
            times["chain_pt"].append(_time(chain, *t_chain))
            _clear(t_mlp)
            times["mlp_pt"].append(_time(mlp_torch, t_batch, t_labels, t_mlp))

    chain_ops = CHAIN_LENGTH + 1  # the chain plus the final sum
    mlp_ops = 12  # 3 matmuls, 3 adds, 2 relus, log_softmax's 5 primitives... counted as 12 steps
    print(f"numpy {np.__version__}" + (f", torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else ""))
    print("| graph | deepgrad median | PyTorch median | ratio (deepgrad / PyTorch) |")
    print("|---|---|---|---|")
    for key, label, n_ops in (("chain", "chain of 200 ops on (32, 32), fwd+bwd", chain_ops), ("mlp", "MLP 784-256-128-10, batch 128, fwd+bwd", mlp_ops)):
        ours = statistics.median(times[f"{key}_dg"])
        line = f"| {label} | {ours * 1e3:.3f} ms ({ours / n_ops * 1e6:.1f} µs/op) |"
        if torch is not None:
            theirs = statistics.median(times[f"{key}_pt"])
            line += f" {theirs * 1e3:.3f} ms ({theirs / n_ops * 1e6:.1f} µs/op) | {ours / theirs:.2f} |"
        else:
            line += " (torch not installed) | — |"
        print(line)


if __name__ == "__main__":
    main()
