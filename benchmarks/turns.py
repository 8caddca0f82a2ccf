"""What the side-by-side benchmarks share: one worker process per framework, taking turns.

A benchmark script starts itself once per framework with ``--worker KEY``
(:func:`start_workers`); each worker builds its model (:func:`serve`) and then, for each line
it reads, runs an epoch (``go``) or measures batch-1 prediction (``predict``) and answers with
the seconds and its peak memory (:func:`ask`). :func:`profile_primitives` tells where deepgrad's
epoch goes, by primitive. :class:`FitRunner` is the epoch of a model with Keras's ``fit``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

#: Seconds between one worker's epoch and the next, for the previous one's idle BLAS threads
#: to stop spinning.
SETTLE = 0.3


class FitRunner:
    """A runner whose model has Keras's ``fit`` (deepgrad's or Keras's): the subclass sets
    ``model``, ``x``, ``y`` and its ``predict_one``; an epoch is one ``fit`` in batches of
    ``batch``, with ``fit_settings``."""

    batch = 32
    fit_settings: dict = {}

    def epoch(self):
        self.model.fit(self.x, self.y, batch_size=self.batch, epochs=1, verbose=0,
                       **self.fit_settings)


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def predict_latency(runner, repeats: int = 300) -> float:
    """Median seconds of ``runner.predict_one()`` after a warm-up."""
    for _ in range(20):
        runner.predict_one()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        runner.predict_one()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def serve(make_runner) -> None:
    """The worker's side: build the runner, then answer each ``go`` with an epoch's seconds and
    each ``predict`` with batch-1 latency (and the peak memory)."""
    try:
        runner = make_runner()
    except ImportError as error:
        print(f"unavailable {error}", flush=True)
        return
    print(f"ready {runner.name}", flush=True)
    for line in sys.stdin:
        if line.startswith("predict"):
            print(f"{predict_latency(runner)} {peak_rss_mb()}", flush=True)
            continue
        start = time.perf_counter()
        runner.epoch()
        print(f"{time.perf_counter() - start} {peak_rss_mb()}", flush=True)


def start_workers(script: str, keys, arguments: list) -> dict:
    """One worker per framework key: ``{runner name: process}``, skipping unavailable ones."""
    workers = {}
    for key in keys:
        command = [sys.executable, script, "--worker", key, *arguments]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        status = process.stdout.readline().strip()
        if not status.startswith("ready"):
            print(f"skipping {key}: {status}")
            process.wait()
            continue
        workers[status.split(" ", 1)[1]] = process
    return workers


def ask(process, line: str) -> tuple[float, float]:
    """Send ``go`` or ``predict``; the seconds and the worker's peak memory (MB)."""
    process.stdin.write(line + "\n")
    process.stdin.flush()
    seconds, rss = map(float, process.stdout.readline().split())
    return seconds, rss


def stop(workers: dict) -> None:
    for process in workers.values():
        process.stdin.close()
        process.wait()


def profile_primitives(runner) -> None:
    """Where deepgrad's epoch goes: cumulative time of each primitive's forward and backward
    passes over one epoch (after one to warm up), as a table."""
    import cProfile
    import pstats

    runner.epoch()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    runner.epoch()
    profiler.disable()
    total = time.perf_counter() - start
    rows = []
    for (filename, _, function), (_, _, _, cumulative, _) in pstats.Stats(profiler).stats.items():
        if function in ("forward", "backward") and "deepgrad/ops" in filename:
            rows.append((cumulative, f"{os.path.basename(filename)[:-3]}.{function}"))
    print(f"\ndeepgrad epoch under the profiler: {total:.2f} s")
    print("| primitive pass | seconds | share |\n|---|---|---|")
    for seconds, name in sorted(rows, reverse=True)[:10]:
        print(f"| {name} | {seconds:.2f} | {seconds / total:.0%} |")
