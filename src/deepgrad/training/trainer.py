"""Keras's training API — ``compile``, ``fit``, ``evaluate``, ``predict`` and the
``*_on_batch`` methods — for every kind of model.

:class:`Trainer` is a base of :class:`~deepgrad.models.Model`; the structure it trains (which
inputs and outputs, in what shapes) comes from the model. Every argument is checked before any
work starts: a wrong one raises an error naming it, what was expected and what came.
"""

from __future__ import annotations


from .. import optimizers
from ..common.checks import check_bool, check_int, check_positive_int, describe
from ..distributed import as_strategy
from .evaluate import evaluate_loop, predict_loop
from .fit import fit_loop, with_class_weight
from .inputs import check_validation_split, prepare, prepare_inputs
from .objective import Objective
from .step import make_step

__all__ = ["Trainer"]


def _verbose(value, default: int) -> int:
    if value == "auto":
        return default
    if isinstance(value, bool) or value not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto'; got {describe(value)}")
    return int(value)


def _batch_size(value) -> int:
    return 32 if value is None else check_positive_int(value, "batch_size")


def _callbacks(value):
    if value is None or isinstance(value, (list, tuple)):
        return value
    raise TypeError(f"callbacks must be a list of callbacks; got {describe(value)} (wrap a single "
                    f"callback in a list: callbacks=[...])")


def _optional_positive(value, name):
    return None if value is None else check_positive_int(value, name)


class Trainer:
    """The training API of :class:`~deepgrad.models.Model` (see that class)."""

    #: what the training API keeps on the model (bookkeeping: not what ``call`` computes)
    _training_attributes = frozenset({
        "optimizer", "loss", "compile_config", "stop_training", "history", "_compile_args",
        "_optimizer_config", "_objective", "_step"})

    def _init_training(self) -> None:
        self.optimizer = None
        self.loss = None
        #: what ``compile`` was given, as JSON (saved in model files)
        self.compile_config: dict | None = None
        self.stop_training = False
        self.history = None
        self._compile_args = None
        self._optimizer_config = None
        self._objective = None
        self._step = None

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True) -> None:
        """Choose the optimizer, the loss(es) and the metrics (names, configs or objects).

        Parameters
        ----------
        optimizer : str, dict or Optimizer, default "rmsprop"
        loss : str, Loss or callable; or, for a model of several outputs, a list (one per
            output) or a dict keyed by output name
        loss_weights : list or dict of float, optional
            Each output's weight in the total loss.
        metrics : list, optional
            Metrics of the output; for several outputs, a list of lists or a dict keyed by
            output name (a flat list applies to every output).
        weighted_metrics : list, optional
            Metrics weighed by the sample weights (and ``class_weight``); those of ``metrics``
            are not, as in Keras. One of both lists is logged as ``weighted_<name>``.
        run_eagerly, steps_per_execution, jit_compile, auto_scale_loss
            Keras's compilation switches: accepted and checked; deepgrad always runs the step
            it records from the layers' own operations.
        """
        if loss is None:
            raise ValueError("compile needs a loss, e.g. loss='mse' or loss='binary_crossentropy'")
        check_bool(run_eagerly, "run_eagerly")
        check_positive_int(steps_per_execution, "steps_per_execution")
        if jit_compile not in ("auto", True, False):
            raise ValueError(f"jit_compile must be 'auto', True or False; got {describe(jit_compile)}")
        check_bool(auto_scale_loss, "auto_scale_loss")
        optimizer = optimizers.get(optimizer)
        self._compile_args = (loss, loss_weights, metrics, weighted_metrics)
        self._optimizer_config = optimizers.serialize(optimizer)
        self._objective = None
        self.compile_config = None
        if self.output_names is not None:
            self._make_objective()  # errors in the loss or metrics show at once
        self.optimizer = optimizer
        self._step = None

    def _make_objective(self) -> Objective:
        loss, loss_weights, metrics, weighted_metrics = self._compile_args
        objective = Objective(loss, loss_weights, metrics, output_names=self.output_names,
                              output_shapes=self.output_shapes if self.built else None,
                              weighted_metrics=weighted_metrics)
        self._objective = objective
        self.loss = objective.losses[0] if len(objective.losses) == 1 else objective.losses
        config = {"optimizer": self._optimizer_config, **objective.get_config()}
        if config["loss_weights"] is None:
            config.pop("loss_weights")
        self.compile_config = config
        return objective

    @property
    def compiled(self) -> bool:
        return self._compile_args is not None and getattr(self, "optimizer", None) is not None

    def _check_compiled(self, method: str) -> None:
        if not self.compiled:
            raise RuntimeError(f"model {self.name!r} must be compiled before {method}(): call "
                               f"model.compile(optimizer, loss)")

    @property
    def objective(self) -> Objective:
        """The loss, loss weight and metrics of each output, as ``compile`` set them (made when
        the outputs are known: at once, or for a subclassed model at its first data)."""
        self._check_compiled("training")
        if self._objective is None:
            if self.output_names is None:
                raise RuntimeError(f"model {self.name!r} does not know its outputs yet: call it "
                                   f"on data (or fit it) first")
            self._make_objective()
        return self._objective

    @property
    def metrics(self) -> list:
        """The compiled metrics, each output's in turn."""
        if not self.compiled:
            return []
        return [metric for _, metric, _ in self.objective.metrics]

    @property
    def metrics_names(self) -> list:
        """The names of what ``evaluate`` returns, in its order: ``["loss", ...]``."""
        if not self.compiled:
            return []
        objective = self.objective
        return ["loss", *objective.loss_names, *(name for _, _, name in objective.metrics)]

    # ------------------------------------------------------------------ fit / evaluate / predict
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, *, seed=None, distributed=None):
        """Train for ``epochs`` passes over ``(x, y)`` in shuffled mini-batches.

        ``x`` is an array (a list or dict of arrays for a model of several inputs), ``y``
        likewise for the outputs. ``batch_size`` defaults to 32. ``seed`` fixes the shuffling
        (and, with :func:`deepgrad.set_seed`, the whole run). ``validation_split`` holds out
        the *last* fraction of the data, before shuffling, as Keras does. ``x`` may be a
        ``np.memmap`` (batches are read, and cast, one at a time), or, with ``y`` None, a
        source of ``(x, y)`` / ``(x, y, sample_weight)`` batches: a function returning a fresh
        iterable each epoch, a re-iterable, or a generator with ``steps_per_epoch`` — each batch
        is checked before it is used. Returns a :class:`~deepgrad.callbacks.History`.

        ``distributed=True`` (or a :class:`~deepgrad.distributed.DistributedStrategy`) trains
        data-parallel over MPI in a script started with ``mpiexec -n K python train.py``:
        every process passes the same data, ``batch_size`` is the global batch (each process
        trains on its part), the logs are the whole data's on every process, and only rank 0
        runs the callbacks. See :mod:`deepgrad.distributed`.
        """
        self._check_compiled("fit")
        batch_size = _batch_size(batch_size)
        epochs = check_positive_int(epochs, "epochs")
        verbose = _verbose(verbose, 1)
        check_bool(shuffle, "shuffle")
        initial_epoch = check_int(initial_epoch, "initial_epoch", minimum=0)
        if initial_epoch >= epochs:
            raise ValueError(f"initial_epoch must be less than epochs ({epochs}), the number of "
                             f"the last epoch to run; got {initial_epoch}")
        check_validation_split(validation_split)
        if validation_data is not None and (not isinstance(validation_data, (tuple, list))
                                            or len(validation_data) not in (2, 3)):
            raise ValueError(f"validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
                             f"sample_weight_val); got {describe(validation_data)}")
        validation_freq = check_positive_int(validation_freq, "validation_freq")
        _optional_positive(validation_steps, "validation_steps")
        validation_batch_size = _optional_positive(validation_batch_size, "validation_batch_size")
        if class_weight is not None and not isinstance(class_weight, dict):
            raise TypeError(f"class_weight must be a dict {{class: weight}}; got {describe(class_weight)}")
        strategy = as_strategy(distributed)
        return fit_loop(self, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        callbacks=_callbacks(callbacks), validation_split=validation_split,
                        validation_data=validation_data, shuffle=shuffle,
                        sample_weight=sample_weight, class_weight=class_weight,
                        initial_epoch=initial_epoch, seed=seed, steps_per_epoch=steps_per_epoch,
                        validation_batch_size=validation_batch_size,
                        validation_freq=validation_freq, strategy=strategy)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=0, sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss (plus each output's loss and the metrics) on ``(x, y)``: a float, a list in the
        order of :attr:`metrics_names`, or a dict. ``callbacks`` get their ``on_test_*`` hooks
        called."""
        self._check_compiled("evaluate")
        batch_size = _batch_size(batch_size)
        verbose = _verbose(verbose, 1)
        _optional_positive(steps, "steps")
        check_bool(return_dict, "return_dict")
        if x is None or y is None:
            raise ValueError("evaluate needs both x and y")
        logs = evaluate_loop(self, x, y, sample_weight, batch_size=batch_size,
                             callbacks=_callbacks(callbacks))
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        return self._returned(logs, return_dict)

    def _returned(self, logs: dict, return_dict: bool):
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None):
        """Outputs for ``x`` in inference mode (no graph is built): an array, or a list or dict
        of arrays for a model of several outputs. ``callbacks`` get their ``on_predict_*``
        hooks called."""
        if batch_size is None:
            batch_size = 32
        elif type(batch_size) is not int or batch_size < 1:
            batch_size = _batch_size(batch_size)
        if verbose != 0:
            _verbose(verbose, 0)
        if steps is not None:
            check_positive_int(steps, "steps")
        return predict_loop(self, x, batch_size=batch_size, callbacks=_callbacks(callbacks))

    # ------------------------------------------------------------------ one batch at a time
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on the batch ``(x, y)``; its loss (and metrics), as ``evaluate``
        returns them. The weights trained are those trainable now: setting ``trainable``
        between calls (the GAN pattern) takes effect at the next call."""
        self._check_compiled("train_on_batch")
        check_bool(return_dict, "return_dict")
        xs, ys, ws = prepare(self, x, y, sample_weight)
        objective = self.objective
        ws = with_class_weight(self, ys, ws, class_weight)
        params = self.parameters()
        step = self._step
        if (step is None or step.objective is not objective
                or [id(p) for p in step.params] != [id(p) for p in params]):
            step = self._step = make_step(self, objective, params)
        value, outs, parts = step.run(xs, ys, ws)
        if step.params:
            self.optimizer.step(step.params)
        objective.reset_metrics()
        objective.update_metrics(ys, outs, ws, step.masks)
        logs = {"loss": value, **dict(zip(objective.loss_names, parts)), **objective.metric_logs()}
        return self._returned(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss (and metrics) on one batch, without training."""
        self._check_compiled("test_on_batch")
        check_bool(return_dict, "return_dict")
        xs, ys, ws = prepare(self, x, y, sample_weight)
        logs = evaluate_loop(self, xs, ys, ws, batch_size=len(xs[0]), validated=True)
        return self._returned(logs, return_dict)

    def predict_on_batch(self, x):
        """The outputs for one batch ``x``, in inference mode."""
        return self.pack_outputs(self.infer(prepare_inputs(self, x)))

    # ------------------------------------------------------------------ structure it needs
    @property
    def _ready_input_shape(self):
        """The sample shape of a built model's single input (None otherwise): the shape a batch
        passed to ``predict`` as a plain array must have to skip the full checks."""
        shapes = self._input_shapes if self.built else None
        if shapes is None or len(shapes) != 1:
            return None
        sample = shapes[0][1:]
        return None if None in sample else sample

    def pack_outputs(self, arrays: list):
        """The outputs' arrays as the model's outputs are structured (an array, a list or a
        dict)."""
        keys = self.output_keys
        if keys is not None:
            return dict(zip(keys, arrays))
        return arrays[0] if self.single_output else list(arrays)

