"""Inside a convolutional network: a convolution layer's kernels, and the feature maps each
convolution and pooling layer makes of one input."""

from __future__ import annotations

import math

import numpy as np

from ..autograd.modes import no_grad
from ..autograd.tensor import Tensor
from ..common.checks import check_choice, check_int, describe
from ..diagnostics.health import outputs_by_layer
from ..layers import Conv1D, DepthwiseConv2D, SeparableConv2D
from ..training import Model
from ._convolution_layers import chosen_layers, convolution, filter_kernels, one_sample
from ._figures import check_figsize, new_figure, pyplot, single_axes

__all__ = ["feature_maps", "filters"]


def _mosaic(tiles: np.ndarray, columns: int) -> np.ndarray:
    """Tiles ``(n, h, w[, 3])`` laid out ``columns`` wide with one pixel of NaN between them."""
    n, h, w = tiles.shape[:3]
    rows = math.ceil(n / columns)
    image = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1) + tiles.shape[3:], np.nan)
    for k, tile in enumerate(tiles):
        r, c = divmod(k, columns)
        image[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = tile
    return image


def filters(model_or_layer, layer=None, *, max_filters=32, channels="auto", max_channels=8,
            ax=None, figsize=None):
    """A convolution layer's kernels, as small images: what each filter looks for.

    In a first layer over images the kernels are pictures of the strokes, edges and colour
    blobs the filters respond to; deeper layers' kernels are patterns over feature maps.
    Weights are drawn on one colour scale for all filters (red positive, blue negative), so
    their sizes compare.

    Parameters
    ----------
    model_or_layer : Model or convolution layer
        A built model (its first convolution layer, or the one ``layer`` names, is drawn) or a
        built Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D or SeparableConv2D (its depthwise
        kernels: one filter per channel and multiplier, over that channel alone).
    layer : str, int or Layer, optional
        With a model: the layer's name (layers in residual branches and nested models count),
        its index in ``model.layers``, or the layer.
    max_filters : int, default 32
        Draw the first this many filters.
    channels : {"auto", "each", "mean", "rgb"}, default "auto"
        How the input channels are shown: ``"each"`` a row per filter and a column per channel
        (one tile per filter when there is one channel); ``"mean"`` averaged over the channels;
        ``"rgb"`` (kernels over 3 channels) one colour tile per filter, each filter scaled to
        [0, 1] on its own. ``"auto"``: ``"rgb"`` for 3 channels, else ``"each"``.
    max_channels : int, default 8
        With ``"each"``: draw the first this many channels.
    ax : matplotlib Axes, optional
        Draw in it instead of a new figure.
    figsize : (float, float), optional
        Inches; by default sized to the grid.

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig.filters``: the kernels drawn, ``(filters, height, width, channels)`` for
        ``"each"`` and ``"rgb"``, ``(filters, height, width)`` for ``"mean"`` (a Conv1D's
        height is 1); and ``fig.filters_layer``, the layer's name.

    Raises
    ------
    ImportError
        If matplotlib is not installed (``pip install "deepgrad[plot]"``).
    ValueError
        If the model has no convolution layer, ``layer`` is not one, it is not built, or
        ``channels="rgb"`` is asked of kernels that are not over 3 channels.
    TypeError
        If ``model_or_layer`` is neither a model nor a convolution layer.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import deepgrad as dg
    >>> from deepgrad import plot
    >>> from deepgrad.layers import Conv2D, Flatten, Dense, Input
    >>> model = dg.Sequential([Input((8, 8, 1)), Conv2D(6, 3, name="edges"), Flatten(), Dense(2)])
    >>> fig = plot.filters(model)
    >>> fig.filters.shape
    (6, 3, 3, 1)
    >>> print(fig.axes[0].get_title())
    layer 'edges' (Conv2D)
    6 filters of 3×3 over 1 channel
    >>> plt.close(fig)
    """
    pyplot()
    conv = convolution(model_or_layer, layer)
    max_filters = check_int(max_filters, "max_filters", minimum=1)
    max_channels = check_int(max_channels, "max_channels", minimum=1)
    channels = check_choice(channels, "channels", ("auto", "each", "mean", "rgb"))
    kernels = filter_kernels(conv).astype(np.float64)
    n, kh, kw, depth = kernels.shape
    if channels == "auto":
        channels = "rgb" if depth == 3 else "each"
    if channels == "rgb" and depth != 3:
        raise ValueError(f"channels='rgb' draws kernels over 3 input channels; layer "
                         f"{conv.name!r}'s are over {depth}: use 'each' or 'mean'")
    shown = kernels[:max_filters]
    if channels == "each":
        drawn = shown[..., :max_channels]
    elif channels == "mean":
        drawn = shown.mean(axis=-1)
    else:
        drawn = shown
    by_channel = channels == "each" and drawn.shape[-1] > 1
    if by_channel:  # a row per filter, a column per channel
        tiles = drawn.transpose(0, 3, 1, 2).reshape(-1, kh, kw)
        columns = drawn.shape[-1]
    else:
        tiles = drawn[..., 0] if channels == "each" else drawn
        columns = min(len(tiles), 8)
    rows = math.ceil(len(tiles) / columns)
    size = f"{kw}" if isinstance(conv, Conv1D) else f"{kh}×{kw}"
    cut = [f"the first {max_filters} filters"] if n > max_filters else []
    if by_channel and depth > max_channels:
        cut.append(f"the first {max_channels} channels")
    over = ("its own channel" if isinstance(conv, (DepthwiseConv2D, SeparableConv2D)) else
            f"{depth} channel{'s' if depth != 1 else ''}")
    title = (f"layer {conv.name!r} ({type(conv).__name__})\n{n} filters of {size} over {over}"
             + (f"\n({' and '.join(cut)} shown)" if cut else ""))
    # half an inch a tile, less for a large grid; wide enough for the title
    tile = min(0.5, 12.0 / max(rows, columns)) / max(kh, kw)
    default = (max(columns * tile * kw + 1.5, 2.0 + 0.075 * max(map(len, title.split("\n")))),
               max(rows * tile * kh + 1.0, 2.5))
    figure, ax = single_axes(ax, figsize, default)
    if channels == "rgb":
        low = tiles.min(axis=(1, 2, 3), keepdims=True)
        span = np.maximum(tiles.max(axis=(1, 2, 3), keepdims=True) - low, 1e-12)
        image = _mosaic((tiles - low) / span, columns)
        alpha = np.where(np.isnan(image[..., :1]), 0.0, 1.0)
        ax.imshow(np.concatenate([np.nan_to_num(image), alpha], axis=-1), interpolation="nearest")
    else:
        from matplotlib import colormaps

        limit = max(float(np.abs(tiles).max()), 1e-12)
        cmap = colormaps["RdBu_r"].with_extremes(bad="white")
        shown_image = ax.imshow(_mosaic(tiles, columns), cmap=cmap, vmin=-limit, vmax=limit,
                                interpolation="nearest")
        figure.colorbar(shown_image, ax=ax, shrink=0.8, label="weight")
    if by_channel:
        ax.set_yticks(np.arange(rows) * (kh + 1) + (kh - 1) / 2,
                      [f"filter {k}" for k in range(rows)], fontsize="small")
        ax.set_xticks(np.arange(columns) * (kw + 1) + (kw - 1) / 2,
                      [f"ch {c}" for c in range(columns)], fontsize="small")
        ax.tick_params(length=0)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(f"filters 0–{len(tiles) - 1}, left to right and down"
                      + (", averaged over the channels" if channels == "mean" else ""))
    ax.set_frame_on(False)
    ax.set_title(title)
    figure.filters = drawn
    figure.filters_layer = conv.name
    return figure


def _draw_signal(ax, values, title):
    """One row of a 1-D network: the maps as a heat map, channels down, steps across."""
    ax.imshow(values.T, aspect="auto", cmap="viridis", interpolation="nearest")
    ax.set_ylabel(title, rotation=0, ha="right", va="center", fontsize="small")
    ax.set_xlabel("step", fontsize="small")


def feature_maps(model, x, layers=None, *, max_maps=16, figsize=None):
    """The feature maps of one input: what each convolution and pooling layer makes of it.

    The sample runs through the model in inference mode (dropout off, BatchNormalization's
    moving statistics) and each layer's output is kept. A row per layer: for images, each
    channel (up to ``max_maps``) as a small picture on its own colour scale, bright where the
    filter responds; for sequences (Conv1D networks), the channels as one heat map, a line per
    channel. The first row is the input.

    Parameters
    ----------
    model : Model
        A built ``Sequential`` or functional model of one input (a subclassed model's layers
        cannot be observed one by one).
    x : array_like
        One sample of the model's input shape, e.g. ``(height, width, channels)``, or a batch
        of one.
    layers : str, int, Layer or list of them, optional
        The model's layers to draw (names, indices into ``model.layers`` or the layers); their
        outputs must be maps, ``(batch, height, width, channels)`` or ``(batch, steps,
        channels)``. By default every convolution, windowed pooling and residual block of the
        model.
    max_maps : int, default 16
        Draw at most this many channels per layer (the first ones).
    figsize : (float, float), optional
        Inches; default 0.9 per map across and 1 per row down.

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig.maps``: a dict, layer name → that layer's whole output for the sample,
        ``(height, width, channels)`` or ``(steps, channels)`` (all channels, though the first
        ``max_maps`` are drawn), in the order drawn.

    Raises
    ------
    ImportError
        If matplotlib is not installed (``pip install "deepgrad[plot]"``).
    ValueError
        If ``x`` is not one sample of the input's shape, the model has no convolution or
        pooling layer (and ``layers`` names none), a layer asked for makes no maps, or the
        model is subclassed.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad import plot
    >>> from deepgrad.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
    >>> model = dg.Sequential([Input((8, 8, 1)), Conv2D(4, 3, padding="same", name="conv"),
    ...                        MaxPooling2D(2, name="pool"), Flatten(), Dense(2)])
    >>> fig = plot.feature_maps(model, np.ones((8, 8, 1)))
    >>> {name: maps.shape for name, maps in fig.maps.items()}
    {'conv': (8, 8, 4), 'pool': (4, 4, 4)}
    >>> plt.close(fig)
    """
    pyplot()
    if not isinstance(model, Model):
        raise TypeError(f"model must be a deepgrad model; got {describe(model)}")
    max_maps = check_int(max_maps, "max_maps", minimum=1)
    sample = one_sample(model, x)
    chosen = chosen_layers(model, layers)
    with no_grad():
        _, seen = outputs_by_layer(model, [Tensor(sample, dtype=model.weights_dtype)],
                                   training=False)
    if not seen:
        raise ValueError(f"model {model.name!r} is subclassed: its call runs its layers, so "
                         f"their outputs cannot be observed; build it as a Sequential or "
                         f"functional model to draw its feature maps")
    maps = {}
    for layer in chosen:
        out = seen.get(id(layer))
        shape = getattr(out, "shape", None)
        if shape is None or len(shape) not in (3, 4):
            raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) makes outputs of "
                             f"shape {shape}: no feature maps to draw (they are (batch, height, "
                             f"width, channels) or (batch, steps, channels))")
        maps[layer.name] = np.array(out.data[0], dtype=np.float64)

    rows = [("input", sample[0])] + list(maps.items())
    columns = max(min(values.shape[-1], max_maps) if values.ndim == 3 else 1
                  for _, values in rows)
    columns = max(columns, 4)
    default = (max(5.0, 0.9 * columns + 1.2), 1.0 * len(rows) + 0.6)
    figure = new_figure(check_figsize(figsize, default))
    grid = figure.add_gridspec(len(rows), columns)
    for r, (name, values) in enumerate(rows):
        label = f"{name}\n{'×'.join(str(n) for n in values.shape)}"
        if values.ndim == 2 and name == "input":  # a signal: its channels as lines
            ax = figure.add_subplot(grid[r, :])
            ax.plot(values, linewidth=0.8)
            ax.set_xlim(0, len(values) - 1)
            ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize="small")
            ax.tick_params(labelsize="x-small")
            continue
        if values.ndim == 2:
            _draw_signal(figure.add_subplot(grid[r, :]), values[:, :max_maps], label)
            continue
        if name == "input" and values.shape[-1] in (1, 3):  # a picture: grey or colour
            ax = figure.add_subplot(grid[r, 0])
            low, high = float(values.min()), float(values.max())
            picture = (values - low) / max(high - low, 1e-12)
            ax.imshow(picture[..., 0] if values.shape[-1] == 1 else picture, cmap="gray",
                      interpolation="nearest")
            cells = [ax]
        else:
            cells = []
            for c in range(min(values.shape[-1], max_maps)):
                ax = figure.add_subplot(grid[r, c])
                ax.imshow(values[..., c], cmap="viridis", interpolation="nearest")
                ax.set_title(str(c), fontsize="x-small", pad=2)
                cells.append(ax)
        for ax in cells:
            ax.set_xticks([])
            ax.set_yticks([])
        cells[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize="small")
    more = f" (the first {max_maps} channels of each)" if any(
        values.shape[-1] > max_maps for _, values in rows[1:]) else ""
    figure.suptitle(f"feature maps of one sample in model {model.name!r}{more}",
                    fontsize="medium")
    figure.maps = maps
    return figure
