"""Thousands of mutated model files (``tests/fuzz_model_files.py``), each loaded under watch.

The oracle, for every mutant:

* loading raises :class:`ModelFileError`, or returns a model; any other exception fails;
* a model loaded from a *neutral* mutant (a change the loader must ignore) predicts bitwise as
  the original; a model loaded from any other mutant whose config and weights came out as the
  original's does too; every loaded model predicts without error, finitely when its weights are
  finite, and (compiled) takes a training step without error;
* no load takes over a second, and none allocates more than a small multiple of the file's
  size (tracemalloc's peak, measured on every mutant that wrote a big number or changed the
  tensor table, and on one in eight of the rest);
* an audit hook sees no import, exec, compile, pickle, marshal or process event during a load.

``DEEPGRAD_FUZZ_MUTANTS`` and ``DEEPGRAD_FUZZ_SEED`` change the run (5,000 mutants, seed 18).
"""

import collections
import os
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.layers import BatchNormalization, Dense, Dropout, Input, PReLU
from deepgrad.saving import ModelFileError, load_model

sys.path.insert(0, os.path.dirname(__file__))
from fuzz_model_files import mutate

MUTANTS = int(os.environ.get("DEEPGRAD_FUZZ_MUTANTS", "5000"))
SEED = int(os.environ.get("DEEPGRAD_FUZZ_SEED", "18"))
#: tracemalloc's peak during a load may be at most this many times the file's size
ALLOCATION_FACTOR = 64
SECONDS_PER_LOAD = 1.0

# ------------------------------------------------------------------ the audit hook
# sys.addaudithook cannot be undone: one hook per process, switched on only during loads.
_FORBIDDEN_PREFIXES = ("import", "exec", "compile", "pickle.", "marshal.", "subprocess.",
                       "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
                       "ctypes.", "code.__new__", "builtins.input", "socket.")
_AUDIT = {"on": False, "seen": []}


def _audit(event, args):
    if _AUDIT["on"] and event.startswith(_FORBIDDEN_PREFIXES):
        _AUDIT["seen"].append(event)


if not getattr(sys, "_deepgrad_fuzz_audit_installed", False):
    sys.addaudithook(_audit)
    sys._deepgrad_fuzz_audit_installed = True


def _reference():
    model = dg.Sequential([Input((4,)), Dense(5, "tanh", seed=0), BatchNormalization(),
                           PReLU(), Dropout(0.3, seed=1), Dense(3, "softmax", seed=2)])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[np.arange(16) % 3]
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, seed=0)
    return model, x, y


def _same_model(a, b) -> bool:
    return a.get_config() == b.get_config() and len(a.weights) == len(b.weights) and all(
        u.dtype == v.dtype and u.data.tobytes() == v.data.tobytes()
        for u, v in zip(a.weights, b.weights))


def _check_loaded(model, loaded, mutant, x, y, expected) -> str | None:
    """What is wrong with a model loaded from a mutant, or None."""
    same = _same_model(model, loaded)
    if mutant.neutral and not same:
        return "a neutral mutant loaded as another model"
    with np.errstate(all="ignore"):  # weights from a mutant may be anything finite or not
        out = loaded.predict(x, verbose=0)
        if same and out.tobytes() != expected.tobytes():
            return "the same config and weights predict differently"
        same_weights = len(model.weights) == len(loaded.weights) and all(
            u.data.tobytes() == v.data.tobytes() for u, v in zip(model.weights, loaded.weights))
        if same_weights and not np.isfinite(out).all():
            return "the original weights give a non-finite prediction"
        if loaded.compiled:
            loaded.train_on_batch(x, y)
    return None


@pytest.mark.slow
def test_mutated_model_files_are_refused_or_load_consistently(tmp_path):
    model, x, y = _reference()
    folder = tmp_path  # a file in memory where there is one: the fuzzer writes 5,000 of them
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        folder = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        _fuzz(model, x, y, folder / "model.safetensors")
    finally:
        if folder != tmp_path:
            shutil.rmtree(folder, ignore_errors=True)


def _fuzz(model, x, y, path):
    expected = model.predict(x, verbose=0)
    model.save(path)
    original = path.read_bytes()
    _AUDIT["on"] = True  # the original itself loads under watch, after a warm-up
    try:
        load_model(path)
    finally:
        _AUDIT["on"] = False
    _AUDIT["seen"].clear()
    _AUDIT["on"] = True
    try:
        assert _same_model(model, load_model(path))
    finally:
        _AUDIT["on"] = False
    assert _AUDIT["seen"] == []

    rng = random.Random(SEED)
    outcomes, problems = collections.Counter(), []
    slowest = peak_ratio = 0.0
    started = time.perf_counter()
    for index in range(MUTANTS):
        mutant = mutate(rng, original)
        path.write_bytes(mutant.data)
        traced = mutant.big or index % 8 == 0
        loaded = error = None
        if traced:
            tracemalloc.start()
        _AUDIT["on"] = True
        begin = time.perf_counter()
        try:
            loaded = load_model(path)
        except ModelFileError:
            pass
        except Exception as exc:  # noqa: BLE001 - the oracle: nothing else may escape
            error = f"{type(exc).__name__}: {exc}"
        finally:
            elapsed = time.perf_counter() - begin
            _AUDIT["on"] = False
            if traced:
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                size = max(len(mutant.data), 1024)
                peak_ratio = max(peak_ratio, peak / size)
                if peak > ALLOCATION_FACTOR * size:
                    what = f"allocated {peak} bytes for a file of {len(mutant.data)}"
                    problems.append((index, mutant.kind, what))
        slowest = max(slowest, elapsed)
        if elapsed > SECONDS_PER_LOAD:
            problems.append((index, mutant.kind, f"took {elapsed:.2f} s"))
        if _AUDIT["seen"]:
            problems.append((index, mutant.kind, f"audit events {sorted(set(_AUDIT['seen']))}"))
            _AUDIT["seen"].clear()
        if error is not None:
            problems.append((index, mutant.kind, error))
        if loaded is not None:
            try:
                wrong = _check_loaded(model, loaded, mutant, x, y, expected)
            except Exception as exc:  # noqa: BLE001
                wrong = f"after loading: {type(exc).__name__}: {exc}"
            if wrong:
                problems.append((index, mutant.kind, wrong))
        outcomes[("loaded" if loaded is not None else "refused", mutant.kind.split(":")[0])] += 1
    total = time.perf_counter() - started
    counts = ", ".join(f"{k[0]} {k[1]}: {v}" for k, v in sorted(outcomes.items()))
    print(f"\n{MUTANTS} mutants (seed {SEED}) in {total:.1f} s; slowest load {slowest * 1000:.0f}"
          f" ms; largest peak {peak_ratio:.1f}x the file; {counts}")
    assert not problems, "\n".join(f"mutant {i} ({kind}): {what}"
                                   for i, kind, what in problems[:15])
    assert outcomes["refused", "json"] > 0 and outcomes["loaded", "json"] > 0
