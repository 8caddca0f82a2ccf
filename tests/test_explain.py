import re

import numpy as np

import deepgrad as dg
from deepgrad import explain


def _seed_004_graph():
    a = dg.Tensor(5.0, requires_grad=True, name="a")
    b = dg.Tensor(3.0, requires_grad=True, name="b")
    c = dg.Tensor(2.0, requires_grad=True, name="c")
    u = b * c
    u.name = "u"
    v = a + u
    v.name = "v"
    J = 3 * v
    J.name = "J"
    return J, (a, b, c)


def test_tree_shows_values_ops_and_chain_rule_gradients():
    J, _ = _seed_004_graph()
    text = explain.tree(J)
    assert text.splitlines()[0] == "J = 33  [Mul]  grad 1"
    assert "v = 11  [Add]  grad 3" in text
    assert "u = 6  [Mul]  grad 3" in text
    for line in ("a = 5  (leaf)  grad 3", "b = 3  (leaf)  grad 6", "c = 2  (leaf)  grad 9"):
        assert line in text
    assert "3  (constant)" in text


def test_explaining_does_not_touch_grad():
    J, leaves = _seed_004_graph()
    explain.tree(J)
    explain.graph(J)
    assert all(t.grad is None for t in leaves)


def test_dot_is_well_formed():
    J, _ = _seed_004_graph()
    dot = explain.graph(J)
    assert dot.startswith("digraph deepgrad {") and dot.rstrip().endswith("}")
    assert dot.count("{") == dot.count("}")
    node_ids = set(re.findall(r"^  (n\d+) \[", dot, re.M))
    edge_ids = set(re.findall(r"(n\d+) ->", dot)) | set(re.findall(r"-> (n\d+);", dot))
    assert edge_ids <= node_ids and len(node_ids) == 7  # a, b, c, 3, u, v, J
    assert dot.count('shape=ellipse, label="Mul"') == 2
    assert 'label="{ a | shape () | value 5 | grad 3 }"' in dot


def test_non_scalar_graph_shows_shapes_and_existing_grads():
    w = dg.Tensor(np.ones((3, 2)), requires_grad=True, name="w")
    y = dg.Tensor(np.ones((4, 3))) @ w
    text = explain.tree(y)
    assert "shape (4, 2)" in text and "w = shape (3, 2)  (leaf)" in text
    y.sum().backward()
    assert "grad shape (3, 2)" in explain.tree(y)


def test_reused_node_is_printed_once():
    x = dg.Tensor(2.0, requires_grad=True, name="x")
    text = explain.tree(x * x)
    assert text.count("x = 2") == 1 and "x  (see above)" in text


def test_deep_graph_explains_without_recursion():
    x = dg.Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y + 1.0
    assert len(explain.tree(y).splitlines()) == 6001
