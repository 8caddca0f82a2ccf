"""The one place deepgrad imports mpi4py: lazily, when a process joins data-parallel training.

``import deepgrad`` never imports mpi4py; :func:`import_mpi` does, the first time a
:class:`~deepgrad.distributed.DistributedStrategy` is made, and turns a missing mpi4py (or an
mpi4py that finds no MPI library) into an ``ImportError`` that says what to install.
"""

from __future__ import annotations

__all__ = ["MPI_MISSING", "import_mpi"]

#: What to install, said when mpi4py or the MPI library behind it is missing.
MPI_MISSING = (
    "training on several processes (fit(..., distributed=True)) needs mpi4py and an MPI "
    "library: pip install \"deepgrad[mpi]\", and install Open MPI or MPICH with the system's "
    "packages (apt-get install openmpi-bin libopenmpi-dev, dnf install openmpi-devel, "
    "brew install open-mpi, or conda install -c conda-forge openmpi); then start the script "
    "with mpiexec -n 2 python train.py"
)


def import_mpi():
    """The ``mpi4py.MPI`` module (MPI is initialised by this first import).

    Raises
    ------
    ImportError
        When mpi4py is not installed, or cannot load an MPI library; the message says what to
        install.
    """
    try:
        from mpi4py import MPI
    except (ImportError, RuntimeError, OSError) as error:  # no mpi4py, or no libmpi behind it
        raise ImportError(f"{MPI_MISSING} ({type(error).__name__}: {error})") from error
    return MPI
