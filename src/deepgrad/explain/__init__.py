"""See every number: the computational graph behind a tensor, and one training step of a small
dense network written out.

- :func:`graph` (Graphviz DOT text) and :func:`tree` (an indented text tree) show the graph
  behind a tensor with every value and, for a scalar, the gradient at every node;
- :func:`trace` writes out one training step of a Sequential model of Dense layers on one
  sample — forward pass, loss, chain rule, optimizer step — as text or Markdown, with the
  numbers as arrays;
- :func:`example` gives the worked examples of the lecture notes as such traces, with where
  the notes' own numbers differ (``deepgrad explain --example NAME`` prints them).

Modules: :mod:`.graph` (graph, tree, nodes) and :mod:`.trace` (trace and its :class:`Trace`),
with :mod:`.trace_inputs` (argument checks), :mod:`.chain_rule` (the derivatives and the autograd
check), :mod:`.notation` and :mod:`.trace_text` (text and Markdown), and :mod:`.examples` (the
notes' worked examples). The package's attributes ``graph`` and ``trace`` are the functions (as
``deepgrad.explain.graph`` was before this became a package); import from the modules with
``from deepgrad.explain.graph import ...``.
"""

from .examples import EXAMPLES, example
from .graph import graph, nodes, tree
from .trace import MAX_WEIGHTS, LayerTrace, Trace, trace

__all__ = [
           "EXAMPLES",
           "MAX_WEIGHTS",
           "LayerTrace",
           "Trace",
           "example",
           "graph",
           "nodes",
           "trace",
           "tree",
]
