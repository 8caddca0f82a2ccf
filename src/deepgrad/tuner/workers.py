"""``search(..., n_jobs=k)``: k forked worker processes, each running trials over the shared
storage until the budget is spent; the parent waits and reports their errors."""

from __future__ import annotations

import multiprocessing
import os
import sys
import traceback

__all__ = ["run_workers"]


def run_workers(tuner, runner, n_jobs: int) -> None:
    """Fork ``n_jobs`` workers, each running its part of the search over the shared storage;
    raise with their messages if any failed."""
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    for worker in range(n_jobs):
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_worker_main, args=(tuner, runner, worker, send))
        process.start()
        send.close()
        pipes.append(receive)
        processes.append(process)
    errors = []
    for worker, (process, pipe) in enumerate(zip(processes, pipes)):
        try:
            message = pipe.recv()
        except EOFError:  # the worker died before it could say
            message = None
        process.join()
        if message is not None:
            errors.append(f"worker {worker}: {message}")
        elif process.exitcode != 0:
            errors.append(f"worker {worker} ended with exit code {process.exitcode}")
    if errors:
        raise RuntimeError("the search's workers failed:\n" + "\n".join(errors))


def _worker_main(tuner, runner, worker: int, pipe) -> None:
    """A forked worker: its part of the search, its error (if any) sent to the parent."""
    try:
        tuner._work(runner, worker)
        pipe.send(None)
    except BaseException as error:  # noqa: BLE001 — reported to the parent, which raises
        pipe.send(f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
    finally:
        pipe.close()
        sys.stdout.flush()
        os._exit(0)
