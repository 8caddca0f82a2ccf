"""A computational graph (of a tensor) or a model's layer graph as a picture: drawn by
Graphviz when its ``dot`` program is installed, else the DOT text itself."""

from __future__ import annotations

import io
import os

from ..autograd.tensor import Tensor
from ..common.checks import check_path, describe
from ..explain.graph import graph as tensor_graph
from ..training import Model
from ..utils.model_visualization import model_to_dot
from ._figures import check_axes, check_figsize, new_figure, pyplot

__all__ = ["graph"]

#: The DOT text drawn as text shows at most this many lines.
MAX_TEXT_LINES = 80
_TEXT_FORMATS = (".dot", ".gv")


def _render(text: str):
    """``(image array, None)`` drawn by Graphviz's ``dot``, or ``(None, why not)``."""
    import shutil  # here, not at import: only drawing runs a program
    import subprocess

    program = shutil.which("dot")
    if program is None:
        return None, ("Graphviz's `dot` program is not installed: this is the DOT text (install "
                      "Graphviz to see the picture, or paste the text into any Graphviz viewer)")
    try:
        done = subprocess.run([program, "-Tpng"], input=text.encode(), capture_output=True,
                              timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"Graphviz's `dot` did not run ({error}): this is the DOT text"
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode(errors="replace").strip().splitlines()[:1]
        reason = "; ".join(message) or f"exit status {done.returncode}"
        return None, f"Graphviz's `dot` failed ({reason}): this is the DOT text"
    from matplotlib.image import imread

    return imread(io.BytesIO(done.stdout), format="png"), None


def _dot_text(tensor_or_model) -> str:
    if isinstance(tensor_or_model, Tensor):
        return tensor_graph(tensor_or_model)
    if isinstance(tensor_or_model, Model):
        return model_to_dot(tensor_or_model, show_shapes=True, show_layer_activations=True,
                            dpi=96)
    raise TypeError(f"graph draws a Tensor (its computational graph) or a built deepgrad model; "
                    f"got {describe(tensor_or_model)}")


def graph(tensor_or_model, to_file=None, *, ax=None, figsize=None):
    """The computational graph of a tensor, or a model's graph of layers, as a figure.

    For a Tensor the graph is :func:`deepgrad.explain.graph`'s: every tensor with its value
    and, when the tensor drawn is a scalar that requires grad, its gradient. For a model it is
    :func:`deepgrad.utils.model_to_dot`'s, with shapes and activations. Graphviz's ``dot``
    program draws it when it is installed; otherwise the figure shows the DOT text in a
    monospace font with a note saying so, so a figure always comes back.

    Parameters
    ----------
    tensor_or_model : Tensor or Model
        A tensor (usually a scalar loss, after or before ``backward()``), or a built model.
    to_file : str or path-like, optional
        Also write the picture there: a ``.dot`` or ``.gv`` name gets the DOT text, any other
        name the figure (``fig.savefig``: PNG, SVG, PDF... by its extension).
    ax : matplotlib Axes, optional
        Draw in it instead of a new figure.
    figsize : (float, float), optional
        Inches; default from the size of the picture (at most 12 wide, 16 high).

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig.dot`` (the DOT text) and ``fig.rendered`` (whether Graphviz drew it).

    Raises
    ------
    ImportError
        If matplotlib is not installed (``pip install "deepgrad[plot]"``).
    TypeError
        If ``tensor_or_model`` is neither a Tensor nor a deepgrad model.

    Examples
    --------
    The notes' graph J = 3(a + bc) (seed 004):

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import deepgrad as dg
    >>> from deepgrad import plot
    >>> a = dg.Tensor(5.0, requires_grad=True, name="a")
    >>> b = dg.Tensor(3.0, requires_grad=True, name="b")
    >>> c = dg.Tensor(2.0, requires_grad=True, name="c")
    >>> fig = plot.graph(3 * (a + b * c))
    >>> fig.dot.splitlines()[0]
    'digraph deepgrad {'
    >>> plt.close(fig)
    """
    pyplot()
    text = _dot_text(tensor_or_model)
    if to_file is not None:
        to_file = check_path(to_file, "to_file")
    image, note = _render(text)
    lines = text.rstrip("\n").splitlines()
    if len(lines) > MAX_TEXT_LINES:
        more = len(lines) - MAX_TEXT_LINES
        lines = [*lines[:MAX_TEXT_LINES], f"... ({more} more lines: fig.dot holds them all)"]
    if ax is not None:
        figure = check_axes(ax).figure
    else:
        if image is not None:
            height, width = image.shape[:2]
            scale = min(1.0, 12.0 * 96 / width, 16.0 * 96 / height)
            default = (max(width * scale / 96, 3.0), max(height * scale / 96, 2.0) + 0.4)
        else:
            widest = max(len(line) for line in lines)
            default = (min(max(widest * 0.075, 6.0), 14.0), min(len(lines) * 0.13 + 0.9, 16.0))
        figure = new_figure(check_figsize(figsize, default))
        ax = figure.add_subplot()
    ax.set_axis_off()
    if image is not None:
        ax.imshow(image, interpolation="antialiased")
    else:
        ax.text(0.0, 1.0, "\n".join(lines), family="monospace", fontsize=7.5, va="top",
                ha="left", transform=ax.transAxes)
        ax.set_title(note, fontsize="small", style="italic", loc="left", wrap=True)
    figure.dot, figure.rendered = text, image is not None
    if to_file is not None:
        if os.path.splitext(to_file)[1].lower() in _TEXT_FORMATS:
            with open(to_file, "w", encoding="utf-8") as file:
                file.write(text)
        else:
            figure.savefig(to_file)
    return figure
