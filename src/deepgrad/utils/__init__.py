"""Utilities with Keras's names (``keras.utils``): labels, sequences, seeds, cached files and
model plots.

=====================  ==================================================================
``to_categorical``     class indices as one-hot vectors
``normalize``          vectors scaled to unit norm along an axis
``pad_sequences``      sequences of different lengths as one array
``timeseries_windows`` a series cut into (window, target) pairs for forecasting
``Tokenizer``          text as integer sequences for ``Embedding``
``set_random_seed``    :func:`deepgrad.set_seed` under Keras's name
``get_file``           a data file from deepgrad's cache (``~/.deepgrad``), checked; never
                       downloaded
``model_to_dot``       a model's graph as Graphviz DOT text
``plot_model``         that graph written to ``.dot``, or drawn to PNG/SVG/PDF by Graphviz
``register_keras_serializable``  kept for Keras scripts: deepgrad's classes register themselves
=====================  ==================================================================

deepgrad's internal helpers (seeds, argument checks, registries) are in :mod:`deepgrad.common`.
"""

from ..saving.custom_objects import register_keras_serializable
from .categorical import to_categorical
from .files import get_file
from .model_visualization import model_to_dot, plot_model
from .norms import normalize
from .seeding import set_random_seed
from .sequences import pad_sequences
from .text import Tokenizer
from .time_series import timeseries_windows

__all__ = ["Tokenizer", "get_file", "model_to_dot", "normalize", "pad_sequences", "plot_model",
           "register_keras_serializable", "set_random_seed", "timeseries_windows",
           "to_categorical"]
