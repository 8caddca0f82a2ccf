"""Skip collecting modules whose optional dependency is not installed (their doctests need it)."""

import importlib.util
import shutil

collect_ignore = []
if importlib.util.find_spec("sklearn") is None:
    collect_ignore.append("src/deepgrad/sklearn")
if importlib.util.find_spec("onnx") is None or importlib.util.find_spec("onnxruntime") is None:
    collect_ignore.append("src/deepgrad/onnx")
if importlib.util.find_spec("mpi4py") is None or shutil.which("mpiexec") is None:
    collect_ignore += ["src/deepgrad/distributed/step.py",  # mpi4py and an MPI library
                       "src/deepgrad/distributed/strategy.py"]
