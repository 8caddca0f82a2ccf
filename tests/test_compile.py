"""deepgrad.compile: recorded calls replayed bitwise, and when a recording goes stale."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.autograd.modes import not_recording, recording
from deepgrad.compile import Recordings, Tape, layers_changed
from deepgrad.layers import Dense, Input


def _record(fn, *inputs):
    with recording() as records:
        out = fn(*inputs)
    return records, out


def test_a_tape_replays_the_forward_on_new_arrays():
    w = dg.Parameter(np.arange(6.0).reshape(3, 2), dtype="float64")
    x = dg.Tensor(np.ones((4, 3)), dtype="float64")
    records, out = _record(lambda t: (t @ w).tanh() * 2.0 + 1.0, x)
    tape = Tape(records, [x], [out])
    other = np.random.default_rng(0).standard_normal((4, 3))
    (got,) = tape.forward([other])
    expected = ((dg.Tensor(other) @ w).tanh() * 2.0 + 1.0).data
    assert got.tobytes() == expected.tobytes()


def test_weights_are_read_at_each_replay():
    w = dg.Parameter([[1.0]], dtype="float64")
    x = dg.Tensor([[2.0]], dtype="float64")
    records, out = _record(lambda t: t @ w, x)
    tape = Tape(records, [x], [out])
    w.assign([[5.0]])
    assert tape.forward([np.array([[2.0]])])[0].item() == 10.0
    w.data = np.array([[7.0]])  # rebound, as an optimizer rebinds weights into its buffer
    assert tape.forward([np.array([[2.0]])])[0].item() == 14.0


def test_backward_sums_every_path_in_the_engines_order():
    """A weight used three times: the replayed gradient is the graph's, bitwise."""
    rng = np.random.default_rng(1)
    w = dg.Parameter(rng.standard_normal((3, 3)), dtype="float32")
    x = dg.Tensor(rng.standard_normal((5, 3)), dtype="float32")
    fn = lambda t: (((t @ w).relu() @ w).tanh() @ w).sigmoid()  # noqa: E731
    records, out = _record(fn, x)
    seed = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(seed)
    graph_grad = w.grad.copy()
    tape = Tape(records, [x], [out], trained=[w])
    tape.forward([x.data])
    into = np.zeros((3, 3), np.float32)
    assert tape.backward([seed], {w: into}) == [w]
    assert into.tobytes() == graph_grad.tobytes()


@pytest.mark.parametrize("uses", [1, 2, 3, 4])
def test_a_weights_gradient_is_summed_where_it_belongs_bitwise_the_engines(uses):
    """However many primitives use a weight (a layer, a penalty, shared weights), its gradient
    lands in the array it belongs in with the engine's bits."""
    rng = np.random.default_rng(uses)
    w = dg.Parameter(rng.standard_normal((3, 3)), dtype="float32")
    b = dg.Parameter(rng.standard_normal(3), dtype="float32")
    x = dg.Tensor(rng.standard_normal((5, 3)), dtype="float32")

    def fn(t):
        for _ in range(uses - 1):
            t = dg.functional.affine(t, w, b, "tanh")
        return dg.functional.affine(t, w, b, "relu").sum() + 0.01 * dg.functional.sum_of_squares(w)

    records, out = _record(fn, x)
    out.backward()
    expected = [w.grad.copy(), b.grad.copy()]
    tape = Tape(records, [x], [out], trained=[w, b])
    into = {w: np.zeros((3, 3), np.float32), b: np.zeros(3, np.float32)}
    for _ in range(2):  # the second time into the same arrays
        tape.forward([x.data])
        tape.backward([np.ones((), np.float32)], into)
        assert into[w].tobytes() == expected[0].tobytes() and into[b].tobytes() == expected[1].tobytes()


def test_a_weights_only_consumer_writes_its_gradient_where_it_belongs():
    w = dg.Parameter(np.ones((3, 2)), dtype="float32")
    b = dg.Parameter(np.zeros(2), dtype="float32")
    x = dg.Tensor(np.ones((4, 3)), dtype="float32")
    records, out = _record(lambda t: dg.functional.affine(t, w, b, "relu"), x)
    tape = Tape(records, [x], [out], trained=[w, b])
    into = {w: np.zeros((3, 2), np.float32), b: np.zeros(2, np.float32)}
    tape.forward([x.data])
    tape.backward([np.ones((4, 2), np.float32)], into)
    affine = tape.program[0][0]
    assert affine.grad_into[1] is into[w] and affine.grad_into[2] is into[b]
    assert into[w].tolist() == [[4.0, 4.0]] * 3 and into[b].tolist() == [4.0, 4.0]


def test_backward_needs_a_forward_first():
    w = dg.Parameter([1.0], dtype="float64")
    x = dg.Tensor([1.0], dtype="float64")
    records, out = _record(lambda t: t * w, x)
    with pytest.raises(RuntimeError, match="forward"):
        Tape(records, [x], [out], trained=[w]).backward([np.ones(1)], {w: np.zeros(1)})


def test_detach_joins_a_recording_as_the_identity():
    w = dg.Parameter([2.0], dtype="float64")
    x = dg.Tensor([3.0], dtype="float64")
    records, out = _record(lambda t: (t * w).detach() * w, x)
    assert [type(fn).__name__ for fn, _, _ in records] == ["Mul", "StopGradient", "Mul"]
    tape = Tape(records, [x], [out], trained=[w])
    assert tape.forward([np.array([5.0])])[0].item() == 20.0
    into = np.zeros(1)
    tape.backward([np.ones(1)], {w: into})
    assert into.item() == 10.0  # only through the second product: the detached value is a constant


def test_not_recording_leaves_work_out():
    x = dg.Tensor([1.0])
    with recording() as records:
        x * 2.0
        with not_recording():
            x * 3.0
    assert len(records) == 1


def test_recordings_go_stale_when_a_layer_changes():
    kept = Recordings(limit=2)
    kept.put("a", 1)
    kept.put("b", 2)
    kept.put("c", 3)  # the oldest goes
    assert kept.get("a") is None and kept.get("c") == 3
    layer = Dense(2)
    layer.activation = dg.activations.relu
    assert kept.get("c") is None
    kept.put("d", 4)
    layers_changed()
    assert kept.get("d") is None


def test_predict_replays_and_follows_weight_changes():
    model = dg.Sequential([Input((3,)), Dense(2, "relu", seed=0)])
    x = np.ones((4, 3), np.float32)
    first = model.predict(x)
    assert model._inference.get(((x.shape, x.dtype.char),)) is not None
    model.layers[0].kernel.assign(np.full((3, 2), 0.5))
    assert model.predict(x).tolist() == [[1.5, 1.5]] * 4
    assert not np.shares_memory(first, model.predict(x))  # each call's result is its own


def test_a_changed_activation_is_seen_by_predict():
    model = dg.Sequential([Input((2,)), Dense(2, seed=0)])
    x = np.array([[1.0, -1.0]], np.float32)
    model.predict(x)
    model.layers[0].activation = dg.activations.get("relu")
    assert (model.predict(x) >= 0).all()


def test_the_state_a_call_leaves_does_not_make_recordings_stale():
    """A forward notes its outputs' masks, a stateful layer its states: neither is a change of
    a layer, so every model's recorded calls stay valid (replay keeps its speed)."""
    from deepgrad.compile import recordings

    masked = dg.Sequential([dg.layers.Input((4,)), dg.layers.Embedding(5, 2, mask_zero=True),
                            dg.layers.LSTM(2, return_sequences=True)])
    stateful = dg.Sequential([dg.layers.Input(batch_shape=(1, 3, 2)),
                              dg.layers.GRU(2, stateful=True)])
    masked.forward([dg.Tensor(np.array([[1.0, 2.0, 0.0, 0.0]]))])
    before = recordings._version
    masked.forward([dg.Tensor(np.array([[1.0, 2.0, 0.0, 0.0]]))])
    stateful.predict(np.ones((1, 3, 2), np.float32), verbose=0)
    stateful.predict(np.ones((1, 3, 2), np.float32), verbose=0)
    assert recordings._version == before
