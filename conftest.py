"""Skip collecting modules whose optional dependency is not installed (their doctests need it)."""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("sklearn") is None:
    collect_ignore.append("src/deepgrad/sklearn")
