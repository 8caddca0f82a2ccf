"""ProgbarLogger: training progress on a tqdm bar (verbose=1) or one line per epoch (verbose=2)."""

from __future__ import annotations

import sys
import time

from ..common.checks import check_int, describe
from .base import Callback


def format_logs(logs: dict) -> dict[str, str]:
    """``{"loss": "0.6931", ...}``: 4 decimals, or 4 significant digits for values below 1e-3."""
    formatted = {}
    for key, value in (logs or {}).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        formatted[key] = f"{number:.4f}" if abs(number) >= 1e-3 or number == 0 else f"{number:.4e}"
    return formatted


class ProgbarLogger(Callback):
    """Show training progress.

    With ``verbose=1`` each epoch gets a tqdm bar over its batches, showing the running loss and
    metrics as the batches go, and all epoch logs (validation ones included) when the epoch ends.
    With ``verbose=2`` each epoch prints one line when it ends
    (``Epoch 3/10 - 0.4s - loss: 0.2310 - val_loss: 0.2512``). With ``verbose=0`` nothing is shown.

    Output goes to ``sys.stdout`` (as Keras prints), not to tqdm's default ``sys.stderr``, so the
    bar and the messages of other callbacks (EarlyStopping, TerminateOnNaN...) come in order.

    Parameters
    ----------
    file : file-like, optional
        Where to write; by default ``sys.stdout`` as it is when training starts.
    verbose : {0, 1, 2}, optional
        By default ``params["verbose"]`` from ``fit`` (1 if absent).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = ProgbarLogger(file=out, verbose=2)
    >>> bar.set_params({"epochs": 2, "steps": 1})
    >>> bar.on_train_begin(); bar.on_epoch_begin(0)
    >>> bar.on_epoch_end(0, {"loss": 0.25, "val_loss": 0.5}); bar.on_train_end()
    >>> line = out.getvalue().strip()
    >>> line.startswith("Epoch 1/2 - "), line.endswith("loss: 0.2500 - val_loss: 0.5000")
    (True, True)
    """

    def __init__(self, file=None, verbose: int | None = None):
        super().__init__()
        if verbose is not None:
            verbose = check_int(verbose, "verbose", minimum=0, maximum=2)
        if file is not None and not callable(getattr(file, "write", None)):
            raise TypeError(f"file must be None or a text stream with a write method (such as "
                            f"sys.stdout or an open file); got {describe(file)}")
        self.file = file
        self.verbose = verbose
        self._bar = None
        self._epoch_start = 0.0

    def _stream(self):
        return self.file if self.file is not None else sys.stdout

    def _verbosity(self) -> int:
        return int(self.verbose if self.verbose is not None else self.params.get("verbose", 1))

    def on_train_begin(self, logs=None):
        self._close_bar()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        if self._verbosity() == 1:
            from tqdm import tqdm

            self._close_bar()
            self._bar = tqdm(total=self.params.get("steps"), desc=self._title(epoch),
                             file=self._stream(), unit="batch", leave=True, dynamic_ncols=True)

    def on_train_batch_end(self, batch, logs=None):
        if self._bar is not None:
            self._bar.set_postfix(format_logs(logs), refresh=False)
            self._bar.update(1)

    def on_epoch_end(self, epoch, logs=None):
        verbosity = self._verbosity()
        if verbosity == 1 and self._bar is not None:
            self._bar.set_postfix(format_logs(logs), refresh=False)
            self._close_bar()
        elif verbosity == 2:
            seconds = time.perf_counter() - self._epoch_start
            parts = [self._title(epoch), f"{seconds:.1f}s"]
            parts += [f"{key}: {value}" for key, value in format_logs(logs).items()]
            print(" - ".join(parts), file=self._stream(), flush=True)

    def on_train_end(self, logs=None):
        self._close_bar()

    def _title(self, epoch: int) -> str:
        epochs = self.params.get("epochs")
        return f"Epoch {epoch + 1}/{epochs}" if epochs else f"Epoch {epoch + 1}"

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
