"""deepgrad.distributed: ``fit(..., distributed=True)`` on two MPI processes trains the weights
that one process trains on the whole batches, logs the same values, and leaves the callbacks to
rank 0.

The tests that need two processes run this file as a script under ``mpiexec -n 2`` once
(:func:`mpi_runs`): every scenario of :data:`SCENARIOS` trains on both ranks and each rank
pickles what it got; the tests compare that with the same scenario trained here, in one
process. They are skipped, saying why, where ``mpiexec`` or mpi4py is missing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pickle
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.callbacks import EarlyStopping, LearningRateScheduler, ModelCheckpoint
from deepgrad.distributed import (
    DistributedStrategy,
    SingleProcess,
    as_strategy,
    shard_bounds,
    shard_share,
)
from deepgrad.layers import BatchNormalization, Dense, Dropout, Input

MPIEXEC = shutil.which("mpiexec")
HAVE_MPI4PY = importlib.util.find_spec("mpi4py") is not None
needs_mpi = pytest.mark.skipif(
    not (HAVE_MPI4PY and MPIEXEC),
    reason='needs mpiexec and an MPI library (Open MPI or MPICH: apt-get install openmpi-bin '
           'libopenmpi-dev) and mpi4py (pip install "deepgrad[mpi]")')
SPARSE = dg.losses.SparseCategoricalCrossentropy(from_logits=True)


# ---------------------------------------------------------------------- the scenarios
def _data(n, seed=5, classes=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 4)), rng.integers(0, classes, n)


def _model(optimizer, seed, *, l2=None):
    """A float64 MLP 4-8-3 whose initial weights depend on ``seed`` (the ranks' differ)."""
    dg.set_seed(seed)
    model = dg.Sequential([Input((4,)), Dense(8, "tanh", dtype="float64", kernel_regularizer=l2),
                           Dense(3, dtype="float64")])
    model.compile(optimizer, SPARSE, metrics=["accuracy"])
    return model


def adam_uneven_batches(distributed, rank, out):
    """Adam; 101 samples in batches of 15 (each split 8 + 7) and a last one of 11 (6 + 5),
    sample weights, an L2 penalty, validation data; shuffled by rank 0's default generator."""
    x, y = _data(101)
    weights = np.random.default_rng(1).uniform(0.5, 2.0, 101)
    model = _model(dg.optimizers.Adam(0.01), 100 + rank, l2=dg.regularizers.L2(1e-3))
    history = model.fit(x, y, batch_size=15, epochs=8, verbose=0, sample_weight=weights,
                        validation_data=_data(23, seed=6), distributed=distributed)
    return model, history


def momentum_last_batch_of_one(distributed, rank, out):
    """SGD with momentum and global_clipnorm; 108 samples, of which the last 27 validate, so
    81 train in batches of 16 and a last one of one sample (rank 1's part is empty); a
    learning-rate schedule run by rank 0's callback."""
    x, y = _data(108)
    optimizer = dg.optimizers.SGD(0.05, momentum=0.9, global_clipnorm=1.0)
    model = _model(optimizer, 200 + rank)
    history = model.fit(x, y, batch_size=16, epochs=9, verbose=0, seed=3,
                        callbacks=[LearningRateScheduler(lambda epoch, lr: lr * 0.8)],
                        validation_split=0.25, distributed=distributed)
    return model, history


def callbacks_on_rank_0(distributed, rank, out):
    """A checkpoint named after the rank, progress output, and EarlyStopping that stops at
    the second epoch."""
    x, y = _data(64)
    model = _model(dg.optimizers.Adam(0.01), 300 + rank)
    callbacks = [ModelCheckpoint(str(Path(out) / f"checkpoint-rank{rank}.safetensors"),
                                 monitor="loss"),
                 EarlyStopping(monitor="loss", min_delta=1.0, patience=1)]
    with open(Path(out) / f"progress-rank{rank}.txt", "w") as progress, \
            contextlib.redirect_stdout(progress), contextlib.redirect_stderr(progress):
        history = model.fit(x, y, batch_size=10, epochs=10, verbose=2, seed=0,
                            callbacks=callbacks, distributed=distributed)
    return model, history


SCENARIOS = {f.__name__: f for f in (adam_uneven_batches, momentum_last_batch_of_one,
                                     callbacks_on_rank_0)}


def _different_data_fails_on_every_rank(strategy):
    """Rank 1 passes fewer samples: every rank raises the same error instead of waiting."""
    x, y = _data(40 - 10 * strategy.rank)
    model = _model("sgd", 0)
    try:
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, distributed=strategy)
    except ValueError as error:
        return str(error)
    return None


def _batch_normalization_and_dropout(strategy):
    """Each rank's own dropout masks and batch statistics; the weights, moving statistics
    included, end equal on every rank."""
    x, y = _data(60)
    dg.set_seed(strategy.rank)
    model = dg.Sequential([Input((4,)), Dense(8, "relu"), BatchNormalization(), Dropout(0.3),
                           Dense(3)])
    model.compile("adam", SPARSE)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, distributed=strategy)
    return [w.data.copy() for w in model.weights]


def main(out: str) -> None:
    """What each rank does under mpiexec: run the scenarios, pickle the results."""
    strategy = DistributedStrategy()
    results = {"world_size": strategy.world_size}
    for name, scenario in SCENARIOS.items():
        model, history = scenario(strategy, strategy.rank, out)
        results[name] = ([w.data.copy() for w in model.weights], history.history)
    results["different data"] = _different_data_fails_on_every_rank(strategy)
    results["batch normalization"] = _batch_normalization_and_dropout(strategy)
    with open(Path(out) / f"rank{strategy.rank}.pkl", "wb") as file:
        pickle.dump(results, file)


# ---------------------------------------------------------------------- running mpiexec
def _mpi_environment() -> dict:
    """This environment without the MPI variables of a process that initialised MPI itself,
    with Open MPI allowed to run as root (CI containers) and to share 2 cores among 2 ranks."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMPI_", "PMIX_"))}
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_mpi_yield_when_idle="1", OMPI_MCA_btl_vader_single_copy_mechanism="none",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def run_under_mpiexec(args: list, processes: int = 2, timeout: float = 120) -> None:
    """``python -m mpi4py *args`` on ``processes`` ranks (an exception on one rank ends all)."""
    version = subprocess.run([MPIEXEC, "--version"], capture_output=True, text=True).stdout
    oversubscribe = ["--oversubscribe"] if "Open MPI" in version or "OpenRTE" in version else []
    command = [MPIEXEC, *oversubscribe, "-n", str(processes), sys.executable, "-m", "mpi4py",
               *args]
    process = subprocess.Popen(command, env=_mpi_environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"mpiexec did not finish in {timeout} s:\n{output}")
    assert process.returncode == 0, output


@pytest.fixture(scope="module")
def mpi_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("mpi")
    run_under_mpiexec([__file__, str(out)])
    ranks = []
    for rank in range(2):
        with open(out / f"rank{rank}.pkl", "rb") as file:
            ranks.append(pickle.load(file))
    return out, ranks


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    """Each scenario trained here, without the strategy, from rank 0's seeds."""
    out = tmp_path_factory.mktemp("one")
    results = {}
    for name, scenario in SCENARIOS.items():
        model, history = scenario(None, 0, out)
        results[name] = ([w.data.copy() for w in model.weights], history.history)
    return results


# ---------------------------------------------------------------------- two processes
@pytest.mark.slow
@needs_mpi
@pytest.mark.parametrize("name", SCENARIOS)
def test_two_processes_train_the_weights_one_process_trains_on_whole_batches(
        name, mpi_runs, one_process):
    _, ranks = mpi_runs
    assert ranks[0]["world_size"] == 2
    expected, _ = one_process[name]
    for rank in ranks:
        weights, _ = rank[name]
        for got, want in zip(weights, expected):
            assert got.dtype == np.float64
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    for a, b in zip(ranks[0][name][0], ranks[1][name][0]):  # and the ranks agree bitwise
        assert a.tobytes() == b.tobytes()


@pytest.mark.slow
@needs_mpi
@pytest.mark.parametrize("name", SCENARIOS)
def test_every_rank_logs_the_loss_and_metrics_of_the_whole_data(name, mpi_runs, one_process):
    _, ranks = mpi_runs
    _, expected = one_process[name]
    for rank in ranks:
        _, history = rank[name]
        assert history.keys() == expected.keys()
        for key, values in expected.items():
            np.testing.assert_allclose(history[key], values, rtol=1e-12, atol=1e-12,
                                       err_msg=key)
    assert {"val_loss", "val_accuracy"} <= set(ranks[1]["adam_uneven_batches"][1])
    assert "learning_rate" in ranks[1]["momentum_last_batch_of_one"][1]  # rank 0's callback


@pytest.mark.slow
@needs_mpi
def test_only_rank_0_writes_checkpoints_and_progress(mpi_runs):
    out, _ = mpi_runs
    assert (out / "checkpoint-rank0.safetensors").exists()
    assert not (out / "checkpoint-rank1.safetensors").exists()
    assert "loss" in (out / "progress-rank0.txt").read_text()
    assert (out / "progress-rank1.txt").read_text() == ""


@pytest.mark.slow
@needs_mpi
def test_early_stopping_on_rank_0_stops_every_rank(mpi_runs, one_process):
    _, ranks = mpi_runs
    epochs = [len(rank["callbacks_on_rank_0"][1]["loss"]) for rank in ranks]
    assert epochs == [2, 2] and len(one_process["callbacks_on_rank_0"][1]["loss"]) == 2


@pytest.mark.slow
@needs_mpi
def test_processes_given_different_data_all_raise(mpi_runs):
    _, ranks = mpi_runs
    messages = [rank["different data"] for rank in ranks]
    assert messages[0] == messages[1]
    assert "rank 1 has samples=30 where rank 0 has 40" in messages[0]


@pytest.mark.slow
@needs_mpi
def test_every_rank_ends_with_the_same_weights_and_moving_statistics(mpi_runs):
    _, ranks = mpi_runs
    first, second = (rank["batch normalization"] for rank in ranks)
    assert len(first) == 8  # 2 kernels and biases; gamma, beta, moving mean and variance
    assert np.abs(first[4]).max() > 0  # the moving mean moved
    for a, b in zip(first, second):
        assert a.tobytes() == b.tobytes()


# ---------------------------------------------------------------------- one process
@needs_mpi
def test_a_world_of_one_process_trains_exactly_as_without_the_strategy(tmp_path):
    for distributed in (True, DistributedStrategy()):
        got = adam_uneven_batches(distributed, 0, tmp_path)
        expected = adam_uneven_batches(None, 0, tmp_path)
        for a, b in zip(got[0].weights, expected[0].weights):
            assert a.data.tobytes() == b.data.tobytes()
        assert got[1].history == expected[1].history


@needs_mpi
def test_losses_that_are_not_means_are_refused():
    x, y = _data(20)
    model = dg.Sequential([Input((4,)), Dense(3)])
    model.compile("sgd", dg.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                                 reduction="sum"))
    with pytest.raises(ValueError, match="reduction='mean'"):
        model.fit(x, y, verbose=0, distributed=True)


def test_without_mpi4py_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # "import mpi4py" raises ImportError
    monkeypatch.setitem(sys.modules, "mpi4py.MPI", None)
    x, y = _data(20)
    model = _model("sgd", 0)
    with pytest.raises(ImportError, match=r'pip install "deepgrad\[mpi\]"') as error:
        model.fit(x, y, verbose=0, distributed=True)
    assert "Open MPI" in str(error.value) and "mpiexec" in str(error.value)


def test_a_wrong_distributed_argument_names_it():
    model = _model("sgd", 0)
    with pytest.raises(TypeError, match="distributed must be True, False, None or a "
                                        "deepgrad.distributed.DistributedStrategy; got str 'mpi'"):
        model.fit(*_data(20), verbose=0, distributed="mpi")
    assert isinstance(as_strategy(False), SingleProcess)


def test_importing_deepgrad_and_training_alone_never_imports_mpi4py():
    code = ("import sys, numpy as np, deepgrad as dg\n"
            "m = dg.Sequential([dg.Input((2,)), dg.layers.Dense(1)]); m.compile('sgd', 'mse')\n"
            "m.fit(np.ones((4, 2)), np.ones(4), verbose=0)\n"
            "assert 'mpi4py' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("n", range(1, 12))
@pytest.mark.parametrize("world_size", [1, 2, 3, 5])
def test_the_parts_of_a_batch_are_contiguous_cover_it_and_differ_by_at_most_one(n, world_size):
    bounds = [shard_bounds(n, world_size, r) for r in range(world_size)]
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    sizes = [stop - start for start, stop in bounds]
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)
    assert sum(shard_share(n, world_size, r) for r in range(world_size)) == pytest.approx(1.0)


if __name__ == "__main__":  # under mpiexec (run_under_mpiexec)
    main(sys.argv[1])
