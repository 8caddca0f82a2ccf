"""Data-parallel training over MPI: one model trained by several processes, on one machine or
several, each on its part of every batch.

A script that calls ``model.fit(x, y, ..., distributed=True)`` (or passes a
:class:`DistributedStrategy`) and is started with ``mpiexec -n 4 python train.py`` trains on
4 processes; started with plain ``python train.py`` it is a world of one process and trains
as usual. What is kept in step (:mod:`.strategy`): rank 0's initial weights, optimizer state and
shuffling; the gradients of every batch (:mod:`.step`: one Allreduce per dtype, each
process's part weighed by its share of the batch, :mod:`.sharding`); the logged loss and
metrics; the callbacks' decisions, made on rank 0. mpi4py is imported only when a strategy is
made (:mod:`.mpi`); ``pip install "deepgrad[mpi]"`` installs it, and Open MPI or MPICH must be
installed on every machine.
"""

from .mpi import MPI_MISSING, import_mpi
from .sharding import shard_bounds, shard_share
from .step import DistributedStep
from .strategy import DistributedStrategy, SingleProcess, as_strategy

__all__ = ["MPI_MISSING", "DistributedStep", "DistributedStrategy", "SingleProcess",
           "as_strategy", "import_mpi", "shard_bounds", "shard_share"]
