"""Data-parallel training over MPI: epochs of the MNIST-shaped MLP on 1 process and on 2.

The network and data of ``mlp_epoch.py``: 60,000 × 784 float32 inputs (random: the timing does
not depend on the values), 784-256-128-10 ReLU, softmax cross-entropy from the logits, Adam
1e-3, batch 128 (the global batch: 64 samples per process on 2; 469 steps an epoch), and
batch 512 too (``--batch-sizes``), where each step has more arithmetic to share out for the
same Allreduce. Three ways to spend 2 cores:

* ``1 process, 1 thread`` — the baseline: one BLAS thread;
* ``1 process, 2 threads`` — the same process with two BLAS threads (what a 2-core machine does
  without MPI: only the matrix products use the second core);
* ``2 processes × 1 thread`` — ``mpiexec -n 2`` with ``fit(..., distributed=True)``, one BLAS
  thread each (``OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1``).

For each batch size the three run as workers alive side by side and take turns epoch by
epoch (one ``fit(..., epochs=1)`` each, 0.3 s apart), so that the load the machine's
neighbours add falls on all alike; a waiting worker sleeps (it polls for a file, not in an MPI
call, which would spin). Reported: the median epoch over epochs 2 to ``--epochs`` (the first
includes the warm-up), the speed-up over the baseline by those medians, and the median of the
per-round speed-ups (an epoch of each way, one after the other), which cancels most of the
neighbours' load. The MPI worker also times the Allreduce of one step's flat gradient buffer
(235,146 float32 numbers) on its own, and every way prints its last epoch's loss (the same run:
the losses agree to float32 rounding, which differs with the BLAS threads and the batch's
split).

    python benchmarks/distributed_speedup.py [--epochs 8] [--batch-sizes 128,512]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N, D, H1, H2, C, LR = 60_000, 784, 256, 128, 10, 1e-3
#: name: (processes, BLAS threads per process)
WAYS = {
    "1 process, 1 thread": (1, 1),
    "1 process, 2 threads": (1, 2),
    "2 processes × 1 thread": (2, 1),
}
BASELINE = "1 process, 1 thread"
#: Seconds between one worker's epoch and the next: OpenBLAS's idle threads spin for about 0.1 s.
SETTLE = 0.3


def my_turn(folder: Path, epoch: int) -> bool:
    """Wait (sleeping) until ``folder/<epoch>`` appears: True, or ``folder/stop``: False."""
    while True:
        if (folder / str(epoch)).exists():
            return True
        if (folder / "stop").exists():
            return False
        time.sleep(0.002)


def worker(folder: Path, batch_size: int, distributed: bool) -> None:
    """Train one epoch each time ``folder/<k>`` appears (until ``folder/stop``); rank 0 prints
    each epoch's time and loss as JSON, then the Allreduce timing."""
    import deepgrad as dg
    from deepgrad.layers import Dense, Input

    strategy = None
    if distributed:
        from deepgrad.distributed import DistributedStrategy

        strategy = DistributedStrategy()
    root = strategy is None or strategy.rank == 0
    rng = np.random.default_rng(0)
    x = rng.random((N, D), dtype=np.float32)
    y = rng.integers(0, C, N)
    dg.set_seed(0)
    model = dg.Sequential([Input((D,)), Dense(H1, "relu"), Dense(H2, "relu"), Dense(C)])
    model.compile(dg.optimizers.Adam(LR), dg.losses.SparseCategoricalCrossentropy(from_logits=True))
    if root:
        print("ready", flush=True)
    epoch = 0
    while my_turn(folder, epoch):
        start = time.perf_counter()
        history = model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, seed=epoch,
                            distributed=strategy)
        seconds = time.perf_counter() - start
        if root:
            print(json.dumps({"epoch": seconds, "loss": history.history["loss"][-1]}), flush=True)
        epoch += 1
    if strategy is not None:
        seconds = allreduce_seconds(strategy, model)
        if root:
            print(json.dumps({"allreduce": seconds}), flush=True)


def allreduce_seconds(strategy, model, repeats: int = 200) -> float:
    """Median time of one Allreduce of the model's flat gradient buffer, as a step does it."""
    from mpi4py import MPI

    (flat,) = model.optimizer.flat_gradient_buffers(model.parameters())
    times = []
    for _ in range(repeats):
        strategy.comm.Barrier()
        start = time.perf_counter()
        strategy.comm.Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def environment(threads: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMPI_", "PMIX_"))}
    env.update(OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return env


class Worker:
    """One way, alive: a process (or an mpiexec job) waiting for its turn."""

    def __init__(self, way: str, batch_size: int, folder: Path):
        processes, threads = WAYS[way]
        self.folder, self.turn = folder, 0
        folder.mkdir()
        command = [sys.executable, __file__, "--worker", str(folder), "--batch-sizes",
                   str(batch_size)]
        if processes > 1:
            command = [shutil.which("mpiexec"), "--oversubscribe", "--bind-to", "none", "-n",
                       str(processes), *command, "--distributed"]
        self.process = subprocess.Popen(command, env=environment(threads), text=True,
                                        stdout=subprocess.PIPE)
        self._read("ready")

    def _read(self, expected: str | None = None):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"worker in {self.folder} ended (exit code {self.process.wait()})")
        return line.strip() if expected else json.loads(line)

    def epoch(self) -> dict:
        (self.folder / str(self.turn)).touch()
        self.turn += 1
        return self._read()

    def stop(self) -> dict:
        (self.folder / "stop").touch()
        output = self.process.stdout.read()
        self.process.wait()
        lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        return lines[-1] if lines else {}


def describe_machine() -> str:
    import deepgrad as dg
    import mpi4py

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    blas = ""
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i['internal_api']} {i['version']}" for i in threadpool_info())
    except ImportError:
        pass
    mpi = subprocess.run([shutil.which("mpiexec"), "--version"], capture_output=True,
                         text=True).stdout.splitlines()[0]
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, NumPy "
            f"{np.__version__} ({blas}), deepgrad {dg.__version__}; {mpi}, mpi4py "
            f"{mpi4py.__version__}")


def compare(batch_size: int, epochs: int, folder: Path) -> tuple[dict, float]:
    """The ways' epoch times at ``batch_size``, taking turns; and the Allreduce's time."""
    workers = {way: Worker(way, batch_size, folder / f"{batch_size}-{i}")
               for i, way in enumerate(WAYS)}
    times: dict = {way: [] for way in WAYS}
    for epoch in range(epochs):
        for way, worker_ in workers.items():
            time.sleep(SETTLE)
            result = worker_.epoch()
            times[way].append(result["epoch"])
            if epoch == epochs - 1:
                print(f"batch {batch_size}, {way}: last loss {result['loss']:.6f}", flush=True)
        print(f"batch {batch_size}, epoch {epoch + 1}: "
              + ", ".join(f"{way} {t[-1]:.3f} s" for way, t in times.items()), flush=True)
    allreduce = [worker_.stop().get("allreduce") for worker_ in workers.values()]
    return times, next(a for a in allreduce if a is not None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8, help="epochs of each way")
    parser.add_argument("--batch-sizes", default="128,512", help="global batch sizes")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--distributed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    if args.worker:
        worker(Path(args.worker), batch_sizes[0], args.distributed)
        return
    if shutil.which("mpiexec") is None:
        sys.exit("needs mpiexec (Open MPI or MPICH) and mpi4py: pip install \"deepgrad[mpi]\"")
    print(describe_machine(), flush=True)
    rows, allreduce = [], []
    with tempfile.TemporaryDirectory() as folder:
        for batch_size in batch_sizes:
            times, seconds = compare(batch_size, args.epochs, Path(folder))
            allreduce.append(seconds)
            rows.append((batch_size, times))
    print(f"\n| batch | way to use 2 cores | median epoch (2–{args.epochs}) | speed-up over "
          f"1 process, 1 thread | per round |")
    print("|---|---|---|---|---|")
    for batch_size, times in rows:
        baseline = times[BASELINE][1:]
        for way, t in times.items():
            median = statistics.median(t[1:])
            rounds = statistics.median(b / w for b, w in zip(baseline, t[1:]))
            print(f"| {batch_size} | {way} | {median:.3f} s | "
                  f"{statistics.median(baseline) / median:.2f}× | {rounds:.2f}× |")
    print(f"\nOne Allreduce of the 235,146 float32 gradients on 2 processes, alone: "
          f"{statistics.median(allreduce) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
