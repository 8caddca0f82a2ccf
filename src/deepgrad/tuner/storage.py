"""Where a search keeps its state: an Optuna storage, a journal file under
``directory/project_name`` unless a database URL is given.

Every trial, its hyperparameters, its per-epoch values and its result live in the storage, so a
search started again with the same arguments — after a crash, a SIGKILL, or on another machine —
continues where it stopped. A trial whose process died while running it is marked failed and its
hyperparameters are queued again (:func:`recover_abandoned_trials`): on this machine by checking
the process it recorded, across machines by Optuna's heartbeat (database storages only).
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

__all__ = ["JOURNAL_NAME", "StorageSpec", "recover_abandoned_trials"]

JOURNAL_NAME = "search.journal"
#: Seconds between a running trial's heartbeats, and after which a silent one is stale
#: (database storages).
HEARTBEAT_INTERVAL, GRACE_PERIOD = 30, 120


class StorageSpec:
    """How to open the search's storage in this process or in a worker (picklable).

    Parameters
    ----------
    project_dir : Path
        ``directory/project_name``: the journal file and the trials' model files.
    url : str, optional
        An Optuna storage URL (``sqlite:///search.db``, ``postgresql://user@host/db``) shared by
        processes on several machines; None for the journal file.
    """

    def __init__(self, project_dir: Path, url: str | None = None):
        self.project_dir = Path(project_dir)
        self.url = url

    @property
    def journal_path(self) -> Path:
        return self.project_dir / JOURNAL_NAME

    def describe(self) -> str:
        return self.url if self.url is not None else f"journal {self.journal_path}"

    def open(self):
        """A fresh Optuna storage object for this process."""
        import optuna

        if self.url is None:
            self.project_dir.mkdir(parents=True, exist_ok=True)
            from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

            path = str(self.journal_path)
            return optuna.storages.JournalStorage(
                JournalFileBackend(path, lock_obj=JournalFileOpenLock(path)))
        engine_kwargs = {"connect_args": {"timeout": 60}} if self.url.startswith("sqlite") else {}
        def connect():
            return optuna.storages.RDBStorage(
                self.url, engine_kwargs=engine_kwargs, heartbeat_interval=HEARTBEAT_INTERVAL,
                grace_period=GRACE_PERIOD,
                heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                    max_retry=2))

        for attempt in range(4):  # processes starting together race to create the tables
            try:
                return connect()
            except Exception as error:
                if "sqlalchemy" not in type(error).__module__:
                    raise
                time.sleep(0.2 * (attempt + 1))
        return connect()


def owner() -> dict:
    """What a running trial records about the process running it."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def recover_abandoned_trials(study) -> list[int]:
    """Mark failed the running trials whose process on this machine is gone, and queue their
    hyperparameters again; returns their numbers."""
    import optuna

    here = socket.gethostname()
    recovered = []
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        attrs = trial.user_attrs
        if attrs.get("host") != here or "pid" not in attrs or attrs["pid"] == os.getpid() \
                or _alive(attrs["pid"]):
            continue
        study._storage.set_trial_user_attr(trial._trial_id, "abandoned", True)
        study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
        if trial.params:
            study.enqueue_trial(trial.params, skip_if_exists=False)
        recovered.append(trial.number)
    return recovered
