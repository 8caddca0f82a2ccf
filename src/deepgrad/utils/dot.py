"""A small writer of Graphviz DOT text: quoted IDs and labels, nodes, edges and clusters.

Every ID and attribute value is written as a double-quoted string, in which ``"`` and ``\\``
are escaped and line breaks become Graphviz's ``\\n``; so names and labels show exactly as
given, whatever characters they hold.

Examples
--------
>>> graph = Digraph("demo", {"rankdir": "LR"})
>>> graph.node("a", label='say "hi"')
>>> graph.edge("a", "b")
>>> print(graph.source(), end="")
digraph "demo" {
  graph [rankdir="LR"];
  "a" [label="say \\"hi\\""];
  "a" -> "b";
}
"""

from __future__ import annotations

__all__ = ["Digraph", "quote"]


def quote(text) -> str:
    """``text`` as a DOT double-quoted string that Graphviz shows as ``text`` (line breaks
    included).

    >>> print(quote('a "b" \\\\ c'))
    "a \\"b\\" \\\\ c"
    """
    text = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n") + '"'


def _attributes(attributes: dict) -> str:
    return ", ".join(f"{key}={quote(value)}" for key, value in attributes.items())


class Digraph:
    """A directed graph (or, with ``cluster=True``, a cluster inside one) written as DOT text.

    Parameters
    ----------
    name : str
        The graph's ID; a cluster's ID gets the ``cluster_`` prefix Graphviz looks for.
    attributes : dict, optional
        Graph attributes (``rankdir``, ``label``...).
    node_defaults : dict, optional
        Attributes every node takes unless it sets its own.
    cluster : bool, default False
    """

    def __init__(self, name: str, attributes=None, node_defaults=None, *, cluster: bool = False):
        self.name, self.cluster = name, cluster
        self.attributes = dict(attributes or {})
        self.node_defaults = dict(node_defaults or {})
        self.items: list = []  # ("node", id, attrs), ("edge", a, b, attrs), ("graph", Digraph)
        self._edges: set = set()

    def node(self, node_id: str, **attributes) -> None:
        self.items.append(("node", node_id, attributes))

    def edge(self, source: str, target: str, **attributes) -> None:
        """Add an edge; a second edge between the same two nodes is left out."""
        if (source, target) not in self._edges:
            self._edges.add((source, target))
            self.items.append(("edge", source, target, attributes))

    def subgraph(self, graph: Digraph) -> None:
        self.items.append(("graph", graph))

    def lines(self, indent: str = "") -> list:
        head = (f"subgraph {quote('cluster_' + self.name)}" if self.cluster
                else f"digraph {quote(self.name)}")
        inner = indent + "  "
        lines = [f"{indent}{head} {{"]
        if self.attributes:
            lines.append(f"{inner}graph [{_attributes(self.attributes)}];")
        if self.node_defaults:
            lines.append(f"{inner}node [{_attributes(self.node_defaults)}];")
        for item in self.items:
            if item[0] == "graph":
                lines += item[1].lines(inner)
                continue
            *ends, attributes = item[1:]
            text = " -> ".join(quote(end) for end in ends)
            ending = f" [{_attributes(attributes)}];" if attributes else ";"
            lines.append(f"{inner}{text}{ending}")
        lines.append(f"{indent}}}")
        return lines

    def source(self) -> str:
        """The DOT text, ending in a line break."""
        return "\n".join(self.lines()) + "\n"
