"""How ``fit`` trains: in this process alone (:class:`SingleProcess`), or data-parallel over MPI
(:class:`DistributedStrategy`), and :func:`as_strategy`, which reads fit's ``distributed=``.

The fit loop is written once, against the hooks both classes have: those of
:class:`SingleProcess` do nothing; :class:`DistributedStrategy` gives them their MPI meaning:

* the shuffling generator, ``initial_epoch`` and the decisions of callbacks come from rank 0;
* the step becomes a :class:`~.step.DistributedStep` (each process its part of every batch,
  gradients averaged by one Allreduce per dtype), which first copies rank 0's weights and
  optimizer state to every process;
* validation batches are shared out the same way and their outputs gathered;
* at the end of every epoch rank 0's non-trainable weights (BatchNormalization's moving
  statistics, which each process computes from its part) are copied to the others, and at the
  end of ``fit`` its weights and History too.
"""

from __future__ import annotations

import numpy as np

from ..common.checks import describe
from .mpi import import_mpi
from .sharding import shard_bounds
from .step import DistributedStep

__all__ = ["DistributedStrategy", "SingleProcess", "as_strategy"]


class SingleProcess:
    """Training in this process alone: ``fit``'s default, whose hooks do nothing.

    Examples
    --------
    >>> strategy = SingleProcess()
    >>> strategy.rank, strategy.world_size, strategy.is_root
    (0, 1, True)
    """

    rank = 0
    world_size = 1

    def __repr__(self) -> str:
        return "SingleProcess()"

    @property
    def is_root(self) -> bool:
        """Whether this process is rank 0: the one that runs the callbacks (progress output,
        checkpoints, logs)."""
        return self.rank == 0

    def same_generator(self, rng: np.random.Generator) -> np.random.Generator:
        """``rng``, in rank 0's state (the same shuffling everywhere)."""
        return rng

    def from_root(self, value):
        """Rank 0's ``value``."""
        return value

    def check_same(self, **settings) -> None:
        """Raise, on every process, if any process's ``settings`` differ from rank 0's."""

    def distribute(self, step, model):
        """The step each process takes: ``step`` itself here."""
        return step

    def infer(self, model, xs: tuple) -> list:
        """The model's outputs for the batch ``xs`` (one array per input), in inference mode."""
        return model.infer(xs)

    def follow_root(self, model) -> None:
        """Make rank 0's decisions this process's: ``model.stop_training`` and the learning
        rate."""

    def broadcast_weights(self, weights: list) -> None:
        """Give ``weights`` (Parameters) rank 0's values."""

    def finish(self, model, history) -> None:
        """At the end of ``fit``: rank 0's weights and ``history`` records everywhere."""


class DistributedStrategy:
    """Data-parallel training over MPI: pass it (or ``True``) as ``fit(..., distributed=...)``
    in a script started with ``mpiexec -n K python train.py``.

    Every process runs the same script on the same data. ``batch_size`` is the global batch:
    each of the ``K`` processes takes a contiguous part of every batch (the same shuffled
    order everywhere) and the gradients are averaged with one Allreduce per dtype, so the
    weights follow single-process training on the whole batches (to rounding). Rank 0's
    weights and optimizer state are copied to every process when training starts, the logged
    loss and metrics (validation ones too) are those of the whole data, and only rank 0 runs
    the callbacks — progress output, checkpoints, logs — whose decisions (``stop_training``,
    a new learning rate) the others follow. Random layers (Dropout) draw from each process's
    own generators: seed the processes differently (``dg.set_seed(strategy.rank)``) so that
    their masks differ; the weights are rank 0's anyway.

    Parameters
    ----------
    comm : mpi4py.MPI.Intracomm, optional
        The processes that train together; by default ``MPI.COMM_WORLD``, all that ``mpiexec``
        started.

    Attributes
    ----------
    rank : int
        This process's number, 0 to ``world_size - 1``.
    world_size : int
        The number of processes.

    Raises
    ------
    ImportError
        Without mpi4py or an MPI library (``pip install "deepgrad[mpi]"`` and Open MPI or
        MPICH).

    Examples
    --------
    Started without ``mpiexec``, a script is a world of one process, and trains as without
    the strategy:

    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad.layers import Dense, Input
    >>> strategy = DistributedStrategy()
    >>> strategy.rank, strategy.world_size
    (0, 1)
    >>> model = dg.Sequential([Input((3,)), Dense(1)])
    >>> model.compile("sgd", "mse")
    >>> history = model.fit(np.ones((8, 3)), np.ones(8), epochs=2, verbose=0,
    ...                     distributed=strategy)
    >>> len(history.history["loss"])
    2
    """

    def __init__(self, comm=None):
        mpi = import_mpi()
        if comm is None:
            comm = mpi.COMM_WORLD
        elif not isinstance(comm, mpi.Intracomm):
            raise TypeError(f"comm must be an mpi4py intracommunicator such as "
                            f"MPI.COMM_WORLD; got {describe(comm)}")
        self._mpi, self.comm = mpi, comm
        self.rank = comm.Get_rank()
        self.world_size = comm.Get_size()
        self._decisions = np.zeros(2)  # stop_training, learning rate

    def __repr__(self) -> str:
        return f"DistributedStrategy(rank={self.rank}, world_size={self.world_size})"

    @property
    def is_root(self) -> bool:
        """Whether this process is rank 0, the one that runs the callbacks."""
        return self.rank == 0

    # ------------------------------------------------------------------ agreement
    def same_generator(self, rng: np.random.Generator) -> np.random.Generator:
        """``rng``, set to rank 0's generator's state: the same shuffling everywhere."""
        state = self.comm.bcast(rng.bit_generator.state if self.is_root else None, root=0)
        rng.bit_generator.state = state
        return rng

    def from_root(self, value):
        """Rank 0's ``value`` (a small Python object), on every process."""
        return self.comm.bcast(value if self.is_root else None, root=0)

    def check_same(self, **settings) -> None:
        """Raise a ValueError, on every process (so that none waits for the others), if any
        process's ``settings`` differ from rank 0's."""
        everyone = self.comm.allgather(settings)
        for rank, theirs in enumerate(everyone[1:], start=1):
            for key, root_value in everyone[0].items():
                if theirs.get(key) != root_value:
                    raise ValueError(
                        f"every process must call fit with the same data and settings: rank "
                        f"{rank} has {key}={theirs.get(key)!r} where rank 0 has {root_value!r}")

    def check_same_weights(self, weights: list) -> None:
        """Raise, on every process, if the processes built different models."""
        self.check_same(weights=len(weights),
                        **{f"weight {i} ({w.path})": (w.shape, str(w.dtype))
                           for i, w in enumerate(weights)})

    # ------------------------------------------------------------------ steps
    def distribute(self, step, model) -> DistributedStep:
        """``step`` run by every process on its part of each batch (copying rank 0's weights
        and optimizer state to every process first)."""
        return DistributedStep(step, self, model)

    def allreduce_gradients(self, optimizer, params: list, share: float) -> None:
        """Replace the ``.grad`` of ``params`` by the sum over the processes of ``share`` times
        it: one Allreduce per dtype, in place on the optimizer's flat gradient buffers.

        Gradients that are not already views of those buffers (a graph step's, or a clipping
        optimizer's, which keeps ``.grad`` unclipped) are copied in, and the sums copied back.
        """
        copied = []
        for p, view in zip(params, optimizer.gradient_buffers(params)):
            if view is None or p.grad is view:
                continue
            if p.grad is None:  # no gradient here, nor on any process (the same model)
                view.fill(0)
            else:
                np.copyto(view, p.grad, casting="same_kind")
                copied.append((p.grad, view))
        for flat in optimizer.flat_gradient_buffers(params):
            if share == 0:
                flat.fill(0)
            elif share != 1:
                np.multiply(flat, share, out=flat)
            self.comm.Allreduce(self._mpi.IN_PLACE, flat, op=self._mpi.SUM)
        for grad, view in copied:
            np.copyto(grad, view)

    def allgather(self, value) -> list:
        """Every process's ``value``, in rank order."""
        return self.comm.allgather(value)

    def infer(self, model, xs: tuple) -> list:
        """The model's outputs for the global batch ``xs``: each process infers its part, and
        every process gets all the parts."""
        start, stop = shard_bounds(len(xs[0]), self.world_size, self.rank)
        mine = model.infer(tuple(x[start:stop] for x in xs)) if stop > start else None
        parts = [outs for outs in self.comm.allgather(mine) if outs is not None]
        return [np.concatenate(column) for column in zip(*parts)]

    # ------------------------------------------------------------------ rank 0's state
    def follow_root(self, model) -> None:
        """Make the decisions of rank 0's callbacks every process's: ``model.stop_training``
        and the learning rate (set when it differs from this process's)."""
        decisions = self._decisions
        optimizer = model.optimizer
        if self.is_root:
            decisions[0] = bool(model.stop_training)
            decisions[1] = optimizer.learning_rate
        self.comm.Bcast(decisions, root=0)
        if not self.is_root:
            model.stop_training = bool(decisions[0])
            if optimizer.learning_rate != decisions[1]:  # a callback on rank 0 changed it
                optimizer.learning_rate = float(decisions[1])

    def broadcast_weights(self, weights: list) -> None:
        """Give ``weights`` (Parameters) rank 0's values, in place."""
        for w in weights:
            data = w.data
            if data.flags.c_contiguous and data.flags.writeable:
                self.comm.Bcast(data, root=0)
            else:
                buffer = np.ascontiguousarray(data)
                self.comm.Bcast(buffer, root=0)
                w.data[...] = buffer

    def broadcast_optimizer_state(self, optimizer) -> None:
        """Give ``optimizer`` rank 0's state: step count, learning rate, moments..."""
        state = self.comm.bcast(optimizer.state_dict() if self.is_root else None, root=0)
        if not self.is_root:
            optimizer.load_state_dict(state)

    def finish(self, model, history) -> None:
        """At the end of ``fit``: rank 0's weights (a callback such as EarlyStopping may have
        restored its best ones) and History records on every process."""
        self.broadcast_weights(model.weights)
        records = self.comm.bcast((history.history, history.epoch) if self.is_root else None,
                                  root=0)
        if not self.is_root:
            history.history, history.epoch = records


def as_strategy(distributed, name: str = "distributed") -> SingleProcess | DistributedStrategy:
    """What fit's ``distributed=`` argument asks for: None or False, this process alone; True,
    a :class:`DistributedStrategy` over every process ``mpiexec`` started; or a strategy.

    >>> as_strategy(None)
    SingleProcess()
    >>> as_strategy("mpi")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: distributed must be True, False, None or a ...DistributedStrategy; got str 'mpi'
    """
    if distributed is None or distributed is False:
        return SingleProcess()
    if distributed is True:
        return DistributedStrategy()
    if isinstance(distributed, DistributedStrategy):
        return distributed
    raise TypeError(f"{name} must be True, False, None or a "
                    f"deepgrad.distributed.DistributedStrategy; got {describe(distributed)}")
