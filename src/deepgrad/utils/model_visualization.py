"""``model_to_dot`` and ``plot_model``: a model's layers and connections as a Graphviz graph.

deepgrad writes the DOT text itself (:mod:`deepgrad.utils.dot`; no pydot needed). ``plot_model``
writes that text to a ``.dot`` file, or renders it to PNG, SVG, PDF... by running Graphviz's
``dot`` program, which must then be installed.

How each kind of model is drawn:

* a functional model: a box per layer (the inputs' ``InputLayer`` boxes included) and an arrow
  per connection its graph records; a shared layer is one box with an arrow from each call's
  inputs;
* a ``Sequential`` model: its layers as a chain (no input box, as in Keras);
* a subclassed model: its layers in the order of its attributes, as a chain of *dashed* arrows;
  its ``call`` is Python code, so deepgrad does not know the real connections (Keras draws such
  a model as a single box);
* a model used as a layer: one box, or with ``expand_nested=True`` a dashed cluster holding
  its own layers, the arrows going to and from the layers inside.
"""

from __future__ import annotations

import os
import sys
from numbers import Real

from ..common.checks import check_bool, describe
from ..training import Model
from .model_graph import model_graph

__all__ = ["model_to_dot", "plot_model"]

_RANKDIRS = ("TB", "LR", "BT", "RL")
_SPLINES = ("ortho", "curved", "polyline", "spline", "line", "true", "false", "none")
_IMAGE_FORMATS = ("png", "svg", "pdf", "jpg", "jpeg", "gif", "ps")
_TEXT_FORMATS = ("dot", "gv")
_FLAGS = ("show_shapes", "show_dtype", "show_layer_names", "expand_nested",
          "show_layer_activations", "show_trainable")


def _check(model, **options) -> dict:
    """The options, checked, with the model; before anything is drawn."""
    if not isinstance(model, Model):
        raise TypeError(f"model must be a deepgrad model (Sequential, a functional Model or a "
                        f"Model subclass); got {describe(model)}")
    for flag in _FLAGS:
        options[flag] = check_bool(options[flag], flag)
    if options["rankdir"] not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(map(repr, _RANKDIRS))}; got "
                         f"{options['rankdir']!r}")
    if options["splines"] not in _SPLINES:
        raise ValueError(f"splines must be one of {', '.join(map(repr, _SPLINES))}; got "
                         f"{options['splines']!r}")
    dpi = options["dpi"]
    if isinstance(dpi, bool) or not isinstance(dpi, Real) or not 0 < dpi < float("inf"):
        raise ValueError(f"dpi must be a number > 0; got {describe(dpi)}")
    if not model.built:
        raise ValueError(f"model {model.name!r} is not built yet: give it an Input, call "
                         f"build(), or call it on data first")
    return options


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho") -> str:
    """A model's layers and their connections as Graphviz DOT text (``keras.utils.model_to_dot``).

    Keras returns a ``pydot.Dot`` object; deepgrad returns the DOT text (a ``str``), which
    ``dot -Tpng`` and any Graphviz viewer read. How each kind of model is drawn is in the
    module's description: a subclassed model's layers appear as a chain of dashed arrows in
    the order of its attributes, because its real connections are Python code.

    Parameters
    ----------
    model : Model
        A built deepgrad model: functional, Sequential or subclassed.
    show_shapes : bool, default False
        Show each layer's input and output shapes ("?" where unknown, "multiple" for a shared
        layer whose calls differ).
    show_dtype : bool, default False
        Show each layer's output dtype.
    show_layer_names : bool, default True
        Show "name (Class)" instead of the class alone.
    rankdir : {"TB", "LR", "BT", "RL"}, default "TB"
        Top to bottom, left to right...
    expand_nested : bool, default False
        Draw a model used as a layer as a cluster of its own layers instead of one box.
    dpi : number > 0, default 200
        Resolution of rendered images.
    subgraph : bool, default False
        Return only a ``subgraph cluster_<model name> {...}`` block, to paste into a graph.
    show_layer_activations : bool, default False
        Show the activation of layers that have one.
    show_trainable : bool, default False
        Mark layers with weights "Trainable" (green) or "Non-trainable" (red).
    splines : str, default "ortho"
        How Graphviz draws the arrows: "ortho", "curved", "polyline", "spline", "line", "true",
        "false" or "none".

    Returns
    -------
    str
        The DOT text; every ID and label is double-quoted and escaped.

    Raises
    ------
    TypeError
        If ``model`` is not a deepgrad model, or a ``show_*`` flag is not a bool.
    ValueError
        If the model is not built, or ``rankdir``, ``dpi`` or ``splines`` is not one allowed.

    Examples
    --------
    >>> from deepgrad import Sequential
    >>> from deepgrad.layers import Dense, Input
    >>> model = Sequential([Input((4,)), Dense(8, activation="relu", name="hidden"),
    ...                     Dense(1, name="out")], name="mlp")
    >>> print(model_to_dot(model, show_shapes=True), end="")
    digraph "mlp" {
      graph [rankdir="TB", concentrate="true", dpi="200", splines="ortho"];
      node [shape="box", fontname="Helvetica"];
      "hidden" [label="hidden (Dense)\\nInput shape: (None, 4)\\nOutput shape: (None, 8)"];
      "out" [label="out (Dense)\\nInput shape: (None, 8)\\nOutput shape: (None, 1)"];
      "hidden" -> "out";
    }
    """
    options = _check(model, show_shapes=show_shapes, show_dtype=show_dtype,
                     show_layer_names=show_layer_names, rankdir=rankdir,
                     expand_nested=expand_nested, dpi=dpi,
                     show_layer_activations=show_layer_activations,
                     show_trainable=show_trainable, splines=splines)
    return model_graph(model, options, check_bool(subgraph, "subgraph"))


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho"):
    """Write a model's graph to a file: DOT text, or an image drawn by Graphviz
    (``keras.utils.plot_model``).

    The graph is :func:`model_to_dot`'s. ``to_file``'s extension picks the format: ``.dot`` or
    ``.gv`` writes the DOT text (no Graphviz needed); ``.png`` (also a name without
    extension, as in Keras), ``.svg``, ``.pdf``, ``.jpg``, ``.gif`` or ``.ps`` runs Graphviz's
    ``dot`` program, which must be installed (``apt-get install graphviz``,
    ``brew install graphviz``, ``conda install graphviz``); deepgrad needs no pydot.

    Parameters
    ----------
    model : Model
        A built deepgrad model.
    to_file : str or path-like, default "model.png"
    show_shapes, show_dtype, rankdir, expand_nested, dpi : optional
        As in :func:`model_to_dot`.
    show_layer_activations, show_trainable, splines : optional
        As in :func:`model_to_dot`.
    show_layer_names : bool, default False
        Show "name (Class)" instead of the class alone (False by default here, True in
        :func:`model_to_dot`, as in Keras 3).

    Returns
    -------
    IPython.display.Image or SVG, or None
        An image object for notebooks when IPython is running and the format is one it shows;
        otherwise None.

    Raises
    ------
    RuntimeError
        If an image format is asked for and Graphviz's ``dot`` program is not installed (the
        message says how to install it, or to write ``.dot`` instead), or ``dot`` fails.
    ValueError
        For an extension of another format, and as :func:`model_to_dot`.

    Examples
    --------
    >>> import os, tempfile
    >>> from deepgrad import Input, Model
    >>> from deepgrad.layers import Dense
    >>> inputs = Input((3,), name="features")
    >>> model = Model(inputs, Dense(1, name="score")(inputs), name="linear")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "linear.dot")
    ...     plot_model(model, to_file=path, show_layer_names=True)
    ...     print(open(path).read(), end="")
    digraph "linear" {
      graph [rankdir="TB", concentrate="true", dpi="200", splines="ortho"];
      node [shape="box", fontname="Helvetica"];
      "features" [label="features (InputLayer)"];
      "score" [label="score (Dense)"];
      "features" -> "score";
    }
    """
    if not isinstance(to_file, (str, os.PathLike)):
        raise TypeError(f"to_file must be a file name (str or path-like); got {describe(to_file)}")
    to_file = os.fspath(to_file)
    file_format = os.path.splitext(to_file)[1][1:].lower() or "png"
    if file_format not in _IMAGE_FORMATS + _TEXT_FORMATS:
        raise ValueError(f"to_file must end in one of "
                         f"{', '.join('.' + f for f in _TEXT_FORMATS + _IMAGE_FORMATS)}; got "
                         f"{to_file!r}")
    options = _check(model, show_shapes=show_shapes, show_dtype=show_dtype,
                     show_layer_names=show_layer_names, rankdir=rankdir,
                     expand_nested=expand_nested, dpi=dpi,
                     show_layer_activations=show_layer_activations,
                     show_trainable=show_trainable, splines=splines)
    import shutil  # here, not at import: only plot_model runs a program
    import subprocess

    program = None if file_format in _TEXT_FORMATS else shutil.which("dot")
    if file_format not in _TEXT_FORMATS and program is None:
        raise RuntimeError(
            f"plot_model needs Graphviz's `dot` program to write a {file_format.upper()} file "
            f"({to_file!r}), and it is not installed (not found on PATH). Install Graphviz "
            f"(e.g. `apt-get install graphviz`, `brew install graphviz` or `conda install "
            f"graphviz`), or write the DOT text instead: plot_model(model, to_file='model.dot')"
        )
    text = model_graph(model, options)
    if program is None:
        with open(to_file, "w", encoding="utf-8") as file:
            file.write(text)
        return None
    done = subprocess.run([program, f"-T{file_format}", "-o", to_file], input=text.encode(),
                          capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"Graphviz's dot could not write {to_file!r} (exit status "
                           f"{done.returncode}): {message}")
    return _notebook_image(to_file, file_format)


def _notebook_image(path: str, file_format: str):
    """An IPython image of ``path`` when IPython is already running (never imported here)."""
    if "IPython" not in sys.modules or file_format not in ("png", "jpg", "jpeg", "gif", "svg"):
        return None
    display = getattr(sys.modules["IPython"], "display", None)
    if display is None or getattr(sys.modules["IPython"], "get_ipython", lambda: None)() is None:
        return None
    return display.SVG(filename=path) if file_format == "svg" else display.Image(filename=path)
