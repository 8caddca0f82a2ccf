import numpy as np
import pytest

import deepgrad as dg


# ---------------------------------------------------------------- construction and dtypes


def test_float32_by_default():
    assert dg.Tensor([1, 2, 3]).dtype == np.float32
    assert dg.Tensor(2.5).dtype == np.float32
    assert dg.Tensor([[True, False]]).dtype == np.float32
    assert dg.Tensor(np.arange(3)).dtype == np.float32


def test_float64_when_asked_or_given():
    assert dg.Tensor([1.0], dtype="float64").dtype == np.float64
    assert dg.Tensor(np.zeros(3)).dtype == np.float64
    assert dg.Tensor(np.zeros(3), dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("bad", [np.array(["a", "b"]), ["x", "y"], np.array([object()]), [1 + 2j]])
def test_unsupported_data_is_rejected(bad):
    with pytest.raises(TypeError, match="numeric"):
        dg.Tensor(bad)


def test_unsupported_dtype_is_rejected():
    with pytest.raises(TypeError, match="float32 or float64"):
        dg.Tensor([1.0], dtype="int32")


def test_astype_changes_the_dtype_both_ways_and_casts_the_gradient_back():
    x = dg.Tensor(np.ones(3), requires_grad=True)  # float64
    y = x.astype("float32")
    assert y.dtype == np.float32 and y.astype(np.float64).dtype == np.float64
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float64 and np.all(x.grad == 2.0)
    assert x.astype("float64") is x


def test_scalars_take_the_tensor_dtype():
    x = dg.Tensor([1.0, 2.0])
    assert (x * 2.5).dtype == np.float32
    assert (1 / x).dtype == np.float32
    assert (x + np.float64(1.0)).dtype == np.float32


def test_basic_properties_and_conversions():
    x = dg.Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and len(x) == 2
    assert x.numpy() is x.data
    assert np.asarray(x) is x.data
    assert dg.Tensor(3.0).item() == 3.0
    with pytest.raises(ValueError, match="one element"):
        x.item()
    assert "Tensor(" in repr(x)


def test_ndarray_on_the_left_defers_to_tensor():
    x = dg.Tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0], dtype=np.float32) * x
    assert isinstance(y, dg.Tensor)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_comparisons_return_plain_arrays():
    x = dg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x > 1.5, x >= 2, x < 2, x <= 2, x == 2, x != 2, x > dg.Tensor(2.0)):
        assert isinstance(result, np.ndarray) and result.dtype == bool
    assert {x}  # tensors stay hashable


# ---------------------------------------------------------------- autograd semantics


def test_seed_004_computational_graph():
    a, b, c = (dg.Tensor(v, requires_grad=True) for v in (5.0, 3.0, 2.0))
    J = 3 * (a + b * c)
    J.backward()
    assert J.item() == 33.0
    assert (a.grad.item(), b.grad.item(), c.grad.item()) == (3.0, 6.0, 9.0)


def test_seed_004_logistic_neuron():
    x = np.array([2.0, 1.0, 3.0])
    w = dg.Tensor([1.0, 2.0, 1.0], requires_grad=True, dtype="float64")
    b = dg.Tensor(-1.0, requires_grad=True, dtype="float64")
    z = w @ x + b
    y_hat = z.sigmoid()
    assert z.item() == 6.0
    assert round(y_hat.item(), 5) == 0.99753
    y_hat.backward()
    s = 1 / (1 + np.exp(-6.0))
    np.testing.assert_allclose(w.grad, s * (1 - s) * x, rtol=1e-12)  # dσ/dw = σ(1−σ)·x
    np.testing.assert_allclose(b.grad, s * (1 - s), rtol=1e-12)
    # With the log-loss for y = 1, the chain rule gives dL/dw = (σ − y)·x (seed 004).
    w.grad = b.grad = None
    loss = -(w @ x + b).sigmoid().log()
    loss.backward()
    np.testing.assert_allclose(w.grad, (s - 1) * x, rtol=1e-9)
    np.testing.assert_allclose(b.grad, s - 1, rtol=1e-9)


def test_tensor_used_twice_adds_both_paths():
    x = dg.Tensor(3.0, requires_grad=True)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad.item() == 7.0


def test_diamond_graph():
    x = dg.Tensor(2.0, requires_grad=True)
    a = x * 3
    b = x.exp()
    y = a * b  # 3x·e^x → 3e^x(1 + x)
    y.backward()
    np.testing.assert_allclose(x.grad, 3 * np.exp(2.0) * 3, rtol=1e-6)


def test_gradients_accumulate_across_backward_calls():
    x = dg.Tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])


def test_deep_chain_has_no_recursion_limit():
    x = dg.Tensor(1.0, requires_grad=True, dtype="float64")
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad.item() == 1.0
    del y  # freeing a 200,000-node graph must not overflow the C stack either


def test_requires_grad_propagates():
    a = dg.Tensor([1.0], requires_grad=True)
    b = dg.Tensor([2.0])
    assert (a + b).requires_grad
    assert not (b * 2).requires_grad
    assert (a * b).is_leaf is False and a.is_leaf


def test_no_grad_records_nothing():
    w = dg.Tensor([1.0], requires_grad=True)
    with dg.no_grad():
        y = w * 2
        assert not dg.is_grad_enabled()
    assert dg.is_grad_enabled()
    assert not y.requires_grad and y._ctx is None

    @dg.no_grad()
    def predict(t):
        return t * 3

    assert not predict(w).requires_grad


def test_no_grad_restores_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with dg.no_grad():
            1 / 0
    assert dg.is_grad_enabled()


def test_detach_cuts_the_graph():
    x = dg.Tensor([2.0], requires_grad=True)
    y = x * x.detach()  # only the first factor carries gradient
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0])
    assert x.detach().data is x.data


def test_retain_grad_keeps_intermediate_gradients():
    x = dg.Tensor(2.0, requires_grad=True)
    h = (x * 3).retain_grad()
    other = x * 5
    (h * h + other).backward()
    assert h.grad.item() == 12.0
    assert other.grad is None


def test_leaf_gradients_are_independent_arrays():
    a = dg.Tensor([1.0, 2.0], requires_grad=True)
    b = dg.Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad += 1  # must not change b.grad
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


# ---------------------------------------------------------------- errors a person can act on


def test_backward_on_non_scalar_needs_a_gradient():
    x = dg.Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar.*shape \(2, 3\)"):
        (x * 2).backward()
    (x * 2).backward(np.ones((2, 3)))
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))


def test_backward_gradient_shape_is_checked():
    x = dg.Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"shape \(3,\); got \(2,\)"):
        (x * 2).backward(np.ones(2))


def test_backward_without_grad_tracking():
    with pytest.raises(RuntimeError, match="does not require grad"):
        dg.Tensor(1.0).backward()


def test_matmul_shape_mismatch_names_both_shapes():
    a = dg.Tensor(np.ones((3, 4)))
    b = dg.Tensor(np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"\(3, 4\) @ \(5, 2\)"):
        a @ b
    with pytest.raises(ValueError, match="at least 1-D"):
        a @ dg.Tensor(2.0)


# ---------------------------------------------------------------- the functions


def test_indexing_picks_each_rows_label():
    probs = dg.Tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], requires_grad=True)
    labels = np.array([1, 0, 1])
    picked = probs[np.arange(3), labels]
    np.testing.assert_allclose(picked.data, [0.9, 0.8, 0.7])
    picked.sum().backward()
    np.testing.assert_array_equal(probs.grad, [[0, 1], [1, 0], [0, 1]])


def test_repeated_indices_accumulate():
    x = dg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[np.array([0, 0, 2])].sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 1.0])


def test_index_with_a_tensor():
    x = dg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    np.testing.assert_array_equal(x[dg.Tensor([True, False, True]).data > 0].data, [1.0, 3.0])


def test_concatenate_stack_where():
    a = dg.Tensor([[1.0, 2.0]], requires_grad=True)
    b = dg.Tensor([[3.0, 4.0]], requires_grad=True)
    assert dg.concatenate([a, b]).shape == (2, 2)
    assert dg.stack([a, b], axis=1).shape == (1, 2, 2)
    w = dg.where(np.array([[True, False]]), a, b)
    np.testing.assert_array_equal(w.data, [[1.0, 4.0]])
    with pytest.raises(ValueError, match="at least one"):
        dg.concatenate([])


def test_reshape_and_transpose_forms():
    x = dg.Tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    assert x.reshape(6, 4).shape == x.reshape((6, 4)).shape == (6, 4)
    assert x.transpose().shape == (4, 3, 2)
    assert x.transpose(1, 0, 2).shape == x.transpose((1, 0, 2)).shape == (3, 2, 4)
    assert x.flatten().shape == (24,)


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="at least one"):
        dg.Tensor([1.0]).clip()


def test_parameter_assign_in_place():
    p = dg.Parameter(np.zeros((2, 2), dtype=np.float32), name="kernel")
    view = p.data
    p.assign(np.ones((2, 2)))
    assert view is p.data and np.all(p.data == 1)
    with pytest.raises(ValueError, match="shape"):
        p.assign(np.ones(3))
    frozen = dg.Parameter([1.0], trainable=False)
    assert not frozen.requires_grad


def test_set_seed_makes_default_generators_reproducible():
    from deepgrad.common.rng import as_generator

    dg.set_seed(7)
    first = as_generator().random(3)
    dg.set_seed(7)
    np.testing.assert_array_equal(first, as_generator().random(3))
    with pytest.raises(TypeError):
        as_generator("7")
