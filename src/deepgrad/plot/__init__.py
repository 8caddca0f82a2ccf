"""Pictures: training curves, decision regions, activations, gradient flow, optimizer paths,
moving averages, computational graphs and what convolutions learn, each a matplotlib figure.

=====================  ==================================================================
``history``            loss and metrics per epoch, with their ``val_`` curves
``decision_regions``   a 2-D classifier's regions, and its first hidden layer's units (as in
                       the TensorFlow Playground)
``activations``        activation functions beside their derivatives (by autograd)
``gradient_norms``     gradient norms (and update ratios) per layer over the epochs
``optimizer_paths``    SGD, momentum, Nesterov, RMSprop and Adam on a 2-D loss surface
``ewma``               exponentially weighted moving averages of a noisy series, per β
``graph``              a tensor's computational graph or a model's layers, via Graphviz
``filters``            a convolution layer's kernels, a small image per filter (and channel)
``feature_maps``       the feature maps each convolution and pooling layer makes of one input
=====================  ==================================================================

Each function returns the ``matplotlib.figure.Figure`` (most take ``ax``/``axes`` to draw into
and ``figsize``), with the numbers drawn attached where a test or a reader may want them
(``fig.paths``, ``fig.curves``, ``fig.averages``, ``fig.regions``, ``fig.filters``,
``fig.maps``). matplotlib is the optional ``plot`` extra (``pip install "deepgrad[plot]"``): it
is imported when a picture is drawn, not when deepgrad is imported.
"""

from .activation_curves import activations
from .convolution import feature_maps, filters
from .gradient_flow import gradient_norms
from .graphs import graph
from .regions import decision_regions
from .smoothing import ewma
from .surfaces import optimizer_paths
from .training_curves import history

__all__ = ["activations", "decision_regions", "ewma", "feature_maps", "filters",
           "gradient_norms", "graph", "history", "optimizer_paths"]
