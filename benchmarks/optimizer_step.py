"""Optimizer step time: deepgrad vs torch.optim (CPU), interleaved in one run.

Parameters shaped like a 784-256-128-10 MNIST MLP (235,146 float32 values). Gradients are small
(~1e-3) and realistic in their zeros: 100 input pixels are always blank (their kernel rows never
get a gradient), and 30 % of the hidden units die at random steps between 100 and 1,800 (their
weights get exactly zero gradient from then on). Decaying state of those weights (momentum,
moving averages) then shrinks geometrically into the subnormal range, where x86 arithmetic is
25-50 times slower, unless the optimizer flushes it.

Each optimizer runs ``--steps`` steps (default 2,500 > 5 epochs of 469 MNIST batches of 128) in
three passes over the same gradients: deepgrad alone (does a step stay flat over time?), deepgrad
alone with its subnormal flush switched off (what the flush prevents), and deepgrad, torch.optim
default (a for-loop on CPU) and torch ``foreach=True`` interleaved step by step, so that all
three see the same machine load. Reported: median µs per step over steps 21-520 ("early") and
the last 500 ("late"), µs per million parameters, late/early, and deepgrad ÷ torch (below 1:
deepgrad is faster). The deepgrad step includes gathering the gradients into its flat buffer.

    python benchmarks/optimizer_step.py [--steps 2500] [--no-torch] [--output FILE.md]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import time

import numpy as np

import deepgrad as dg
from deepgrad import optimizers as opt

SHAPES = [(784, 256), (256,), (256, 128), (128,), (128, 10), (10,)]
N_PARAMS = sum(int(np.prod(s)) for s in SHAPES)
BANK = 8  # distinct gradient draws, cycled

# name, deepgrad factory, torch factory (same hyperparameters; torch's own formulas)
CONTENDERS = [
    ("SGD", lambda: opt.SGD(), lambda t, p: t.optim.SGD(p, lr=0.01)),
    ("SGD momentum", lambda: opt.SGD(momentum=0.9), lambda t, p: t.optim.SGD(p, lr=0.01, momentum=0.9)),
    (
        "SGD nesterov",
        lambda: opt.SGD(momentum=0.9, nesterov=True),
        lambda t, p: t.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True),
    ),
    (
        "Adagrad",
        lambda: opt.Adagrad(),
        lambda t, p: t.optim.Adagrad(p, lr=0.001, initial_accumulator_value=0.1, eps=1e-7),
    ),
    ("Adadelta", lambda: opt.Adadelta(), lambda t, p: t.optim.Adadelta(p, lr=0.001, rho=0.95, eps=1e-7)),
    ("RMSprop", lambda: opt.RMSprop(), lambda t, p: t.optim.RMSprop(p, lr=0.001, alpha=0.9, eps=1e-7)),
    ("Adam", lambda: opt.Adam(), lambda t, p: t.optim.Adam(p, lr=0.001, eps=1e-7)),
    (
        "AdamW",
        lambda: opt.AdamW(),
        lambda t, p: t.optim.AdamW(p, lr=0.001, weight_decay=0.004, eps=1e-7),
    ),
    ("Nadam", lambda: opt.Nadam(), lambda t, p: t.optim.NAdam(p, lr=0.001, eps=1e-7)),
]


class Gradients:
    """Per-step gradients: a cycled bank of draws times masks of blank pixels and dead units."""

    def __init__(self, steps: int, seed: int = 0):
        rng = np.random.default_rng(seed)
        scales = [1e-3, 1e-3, 2e-3, 2e-3, 5e-3, 5e-3]
        self.bank = [
            [(rng.standard_normal(s) * c).astype(np.float32) for s, c in zip(SHAPES, scales)]
            for _ in range(BANK)
        ]
        self.masks = [np.ones(s, np.float32) for s in SHAPES]
        blank = rng.choice(784, size=100, replace=False)
        self.masks[0][blank, :] = 0
        self.deaths: dict[int, list[tuple[int, int]]] = {}  # step -> [(layer, unit)]
        for layer, width in ((0, 256), (1, 128)):
            dying = rng.choice(width, size=int(0.3 * width), replace=False)
            for unit in dying:
                step = int(rng.integers(100, min(1800, max(101, steps))))
                self.deaths.setdefault(step, []).append((layer, int(unit)))
        self.buffers = [[np.empty(s, np.float32) for s in SHAPES] for _ in range(2)]

    def at(self, step: int) -> list[np.ndarray]:
        for layer, unit in self.deaths.get(step, ()):
            kernel, bias, next_kernel = 2 * layer, 2 * layer + 1, 2 * layer + 2
            self.masks[kernel][:, unit] = 0  # no gradient into a dead unit ...
            self.masks[bias][unit] = 0
            self.masks[next_kernel][unit, :] = 0  # ... nor out of its (zero) activation
        out = self.buffers[step % 2]
        for o, g, m in zip(out, self.bank[step % BANK], self.masks):
            np.multiply(g, m, out=o)
        return out


def machine() -> dict[str, str]:
    cpu, flags = platform.processor() or "unknown", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    simd = [f for f in ("avx2", "avx512f", "amx_tile") if f in flags]
    if simd:
        cpu += f" ({', '.join(simd)}{'; virtual machine' if 'hypervisor' in flags else ''})"
    blas = "unknown"
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]
        info = deps.get("blas", {})
        blas = f"{info.get('name', '?')} {info.get('version', '')}".strip()
    except Exception:  # older NumPy: no dict mode
        pass
    return {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas,
    }


def median_us(times: list[int], lo: int, hi: int) -> float:
    return statistics.median(times[lo:hi]) / 1e3


def deepgrad_runner(make, start, flush=True):
    params = [dg.Parameter(w.copy()) for w in start]
    o = make()
    if not flush:
        o._flush_period = lambda: None  # demonstration only: what the flush prevents

    def step(g):
        for p, gi in zip(params, g):
            p.grad = gi
        t0 = time.perf_counter_ns()
        o.step(params)
        return time.perf_counter_ns() - t0

    return step


def torch_runner(torch, make, start, foreach):
    params = [torch.nn.Parameter(torch.from_numpy(w.copy())) for w in start]
    o = make(torch, params)
    if foreach:
        for group in o.param_groups:
            group["foreach"] = True

    def step(g):
        for p, gi in zip(params, g):
            p.grad = torch.from_numpy(gi)
        t0 = time.perf_counter_ns()
        o.step()
        return time.perf_counter_ns() - t0

    return step


def timed(runners: dict, steps: int) -> dict[str, tuple[float, float]]:
    """Run all runners step by step, interleaved; (early, late) median µs for each."""
    grads = Gradients(steps)
    times = {k: [] for k in runners}
    for t in range(steps):
        g = grads.at(t)
        for label, step in runners.items():
            times[label].append(step(g))
    early = (20, min(520, steps))
    late = (max(0, steps - 500), steps)
    return {k: (median_us(v, *early), median_us(v, *late)) for k, v in times.items()}


def run(make_dg, make_torch, steps, torch):
    """Three passes over the same gradients: deepgrad alone (is a step flat over time?),
    deepgrad without its subnormal flush alone, then deepgrad interleaved with torch."""
    rng = np.random.default_rng(1)
    start = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in SHAPES]
    results = timed({"alone": deepgrad_runner(make_dg, start)}, steps)
    results.update(timed({"no flush": deepgrad_runner(make_dg, start, flush=False)}, steps))
    if torch is not None:
        runners = {
            "deepgrad": deepgrad_runner(make_dg, start),
            "torch": torch_runner(torch, make_torch, start, foreach=False),
            "torch foreach": torch_runner(torch, make_torch, start, foreach=True),
        }
        results.update(timed(runners, steps))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=2500)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--only", default=None, help="comma-separated optimizer names")
    parser.add_argument("--output", default=None, help="also write the report to this file")
    parser.add_argument(
        "--torch-threads", type=int, default=1,
        help="torch intra-op threads (default 1: NumPy's ufuncs are single-threaded too)",
    )
    args = parser.parse_args(argv)
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("torch is not importable: deepgrad only")
    info = machine()
    if torch is not None:
        torch.set_num_threads(args.torch_threads)
        info["torch"] = f"{torch.__version__}, intra-op threads {torch.get_num_threads()}"
    scale = 1e6 / N_PARAMS
    header = "| optimizer | deepgrad µs/step early → late | µs per 1M params | without flush |"
    if torch is not None:
        header += (
            " interleaved: deepgrad | torch default | torch foreach |"
            " deepgrad ÷ torch early | deepgrad ÷ torch late |"
        )
    rule = "|" + "---|" * (header.count("|") - 1)
    rows = []
    wanted = None if args.only is None else {s.strip() for s in args.only.split(",")}
    for name, make_dg, make_torch in CONTENDERS:
        if wanted and name not in wanted:
            continue
        r = run(make_dg, make_torch, args.steps, torch)
        e, l = r["alone"]
        ne, nl = r["no flush"]
        row = (
            f"| {name} | {e:.0f} → {l:.0f} ({l / e:.2f}×) | {e * scale:.0f} → {l * scale:.0f} |"
            f" {ne:.0f} → {nl:.0f} ({nl / ne:.2f}×) |"
        )
        if torch is not None:
            (de, dl), (te, tl), (fe, fl) = r["deepgrad"], r["torch"], r["torch foreach"]
            row += (
                f" {de:.0f} → {dl:.0f} | {te:.0f} → {tl:.0f} | {fe:.0f} → {fl:.0f} |"
                f" {de / min(te, fe):.2f} | {dl / min(tl, fl):.2f} |"
            )
        rows.append(row)
        print(row, flush=True)
    lines = [
        "# Optimizer step time",
        "",
        f"Produced by `python benchmarks/optimizer_step.py --steps {args.steps}` on {info['date']}.",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items() if k != "date") + "."
        " NumPy ufuncs run on one thread.",
        "",
        f"Parameter set: MNIST MLP 784-256-128-10, {N_PARAMS:,} float32 values; {args.steps} steps "
        "per optimizer; early = median µs per step over steps 21-520, late = over the last 500.",
        "First two columns: deepgrad alone; *without flush*: deepgrad alone with its subnormal flush "
        "switched off (a demonstration of what it prevents); then deepgrad, torch.optim default "
        "(a for-loop on CPU) and torch foreach=True interleaved step by step on the same gradients. "
        "deepgrad ÷ torch uses the faster torch mode; below 1 means deepgrad is faster.",
        "",
        header,
        rule,
        *rows,
        "",
    ]
    report = "\n".join(lines)
    print()
    print(report)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(report)


if __name__ == "__main__":
    main()
