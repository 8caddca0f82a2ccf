"""The compiled SimpleRNN, LSTM and GRU calls (``native/recurrent.c``): their exponential,
sigmoid and tanh against NumPy's, and whole sequences and training runs against the NumPy path
they replace. The compiled calls compute the gates with their own vectorized exponential and the
products with their own small GEMM, so they agree with the NumPy path to rounding (a few units
in the last place per operation), not bitwise — on one thread or several."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.native import kernels
from deepgrad.ops.gru import GRUSequence
from deepgrad.ops.lstm import LSTMSequence
from deepgrad.ops import recurrent
from deepgrad.ops.recurrent import SimpleRNNSequence
from deepgrad.optimizers import Adam

needs_extension = pytest.mark.skipif(not kernels.available(), reason="the C extension was not built")

#: How far the two modes may drift apart over a short sequence, by dtype (rtol, atol).
AGREEMENT = {np.float32: (2e-5, 2e-6), np.float64: (1e-12, 1e-14)}


def _ulps(got, expected, dtype):
    return np.abs(got.astype(np.longdouble) - expected) / np.finfo(dtype).eps


@needs_extension
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_steps_exponential_is_within_one_unit_in_the_last_place(dtype):
    floor = -87.0 if dtype == np.float32 else -708.0
    x = -np.concatenate([np.linspace(0.0, -floor, 300_001), np.geomspace(1e-30, 1e-3, 1001)])
    x = x.astype(dtype)
    got = np.empty_like(x)
    kernels.compiled("gate_expneg")(x, got)
    expected = np.exp(x.astype(np.longdouble))
    assert (_ulps(got, expected, dtype) / expected).max() <= 1.0
    below = np.array([floor - 0.5, -1e30, -np.inf, np.nan], dtype)
    kernels.compiled("gate_expneg")(below, out := np.empty_like(below))
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.0, np.nan])


@needs_extension
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_steps_sigmoid_and_tanh_agree_with_numpy(dtype):
    x = np.concatenate([np.linspace(-40, 40, 400_001), [-0.0, 0.0, np.inf, -np.inf, np.nan]]).astype(dtype)
    sigmoid, tanh = np.empty_like(x), np.empty_like(x)
    kernels.compiled("gate_sigmoid")(x, sigmoid)
    kernels.compiled("gate_tanh")(x, tanh)
    finite = np.isfinite(x)
    exact = 1 / (1 + np.exp(-x[finite].astype(np.longdouble)))
    assert (_ulps(sigmoid[finite], exact, dtype) / exact).max() <= 3.0  # relative, even near 0
    assert _ulps(tanh[finite], np.tanh(x[finite].astype(np.longdouble)), dtype).max() <= 2.0
    np.testing.assert_array_equal(sigmoid[-5:], [0.5, 0.5, 1.0, 0.0, np.nan])
    np.testing.assert_array_equal(tanh[-5:], [0.0, 0.0, 1.0, -1.0, np.nan])
    grid = slice(0, -5)
    assert np.all(np.diff(sigmoid[grid]) >= 0) and np.all(np.diff(tanh[grid]) >= 0)  # monotone


def _sequence(cell, mode, dtype, activation, masked, go_backwards, dropout, special=False,
              n=5, steps=7, u=6, features=3):
    """A recurrent primitive's output and gradients in ``mode``, on inputs with extreme gates."""
    rng = np.random.default_rng(1)
    gates = {"lstm": 4, "gru": 3, "simple_rnn": 1}[cell]
    x = rng.standard_normal((n, steps, features)).astype(dtype)
    w = (rng.standard_normal((features, gates * u)) * 2).astype(dtype)
    w[0, :4] = [-200, 200, -1000, -0.0][:gates * u]  # gates below the exp floor, saturated, -0
    if special:
        x[0, 0, :3] = [np.nan, np.inf, -np.inf]
    b = rng.standard_normal(gates * u).astype(dtype)
    r = (rng.standard_normal((u, gates * u)) * 0.5).astype(dtype)
    states = [rng.standard_normal((n, u)).astype(dtype) for _ in range(2 if cell == "lstm" else 1)]
    inputs = [x, w, b, r]
    settings = dict(go_backwards=go_backwards, initial_state=True, masked=masked,
                    recurrent_dropout=0.25 if dropout else 0.0, generator=np.random.default_rng(2))
    if cell == "lstm":
        function = LSTMSequence(activation, **settings)
    elif cell == "simple_rnn":
        function = SimpleRNNSequence(activation, **settings)
    else:
        function = GRUSequence(activation, **settings)
        inputs.append(rng.standard_normal(3 * u).astype(dtype))
    inputs += states
    if masked:
        mask = rng.random((n, steps)) > 0.3
        mask[0, 0] = True  # the step with the special values runs
        inputs.append(mask)
    function.needs_input_grad = (True,) * (len(inputs) - masked) + (False,) * masked
    grad = rng.standard_normal((n, steps, len(states) * u)).astype(dtype)
    with np.errstate(all="ignore"), kernels.using(mode):
        out = function.forward(*inputs).copy()
        grads = function.backward(grad)
    return [out, *(g for g in grads if g is not None)]


@needs_extension
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("variant", ["plain", "masked", "backwards", "masked-backwards-dropout"])
def test_the_compiled_steps_agree_with_the_numpy_steps(dtype, cell, activation, variant, kernel_calls):
    options = dict(masked="masked" in variant, go_backwards="backwards" in variant,
                   dropout="dropout" in variant)
    called = kernel_calls
    expected = _sequence(cell, "numpy", dtype, activation, **options)
    assert not called
    got = _sequence(cell, "compiled", dtype, activation, **options)
    assert {"recurrent_sequence", "recurrent_sequence_backward"} <= set(called)
    rtol, atol = AGREEMENT[dtype]
    # output; x, kernel, bias, recurrent kernel; h0, c0 (LSTM) or recurrent bias, h0 (GRU) or h0
    assert len(expected) == len(got) == (6 if cell == "simple_rnn" else 7)
    for a, b in zip(expected, got):  # sums of large terms (weights of ±1000): against their scale
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=rtol, atol=max(atol, rtol * np.abs(a).max()))


@needs_extension
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru"])
def test_non_finite_inputs_give_the_same_non_finite_values_in_both_modes(dtype, cell):
    expected = _sequence(cell, "numpy", dtype, "tanh", True, False, False, special=True)
    got = _sequence(cell, "compiled", dtype, "tanh", True, False, False, special=True)
    assert any(np.isnan(a).any() for a in expected)
    rtol, atol = AGREEMENT[dtype]
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        finite = np.isfinite(a)
        scale = np.abs(a[finite]).max() if finite.any() else 0.0
        np.testing.assert_allclose(b, a, rtol=rtol, atol=max(atol, rtol * scale))  # infinities equal


@needs_extension
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru"])
@pytest.mark.parametrize("threads", [2, 3])
def test_blocks_of_rows_on_threads_agree_with_the_numpy_path(dtype, cell, threads, monkeypatch):
    """Rows cut into blocks of uneven sizes (40 rows on 2 or 3 threads, in tiles of 6 rows),
    units that fill no whole tile of columns (19), masks, go_backwards and dropout."""
    monkeypatch.setattr(recurrent, "CORES", threads)
    monkeypatch.setattr(recurrent, "ROWS_PER_THREAD", 1)
    options = dict(masked=True, go_backwards=True, dropout=True, n=40, steps=5, u=19, features=5)
    expected = _sequence(cell, "numpy", dtype, "tanh", **options)
    got = _sequence(cell, "compiled", dtype, "tanh", **options)
    rtol, _ = AGREEMENT[dtype]
    for a, b in zip(expected, got):  # sums over 200 rows: measured against their scale
        np.testing.assert_allclose(b, a, rtol=rtol, atol=rtol * np.abs(a).max())


@pytest.mark.parametrize("rows, cores, expected", [(1, 2, 1), (15, 2, 1), (32, 2, 2), (64, 2, 2),
                                                    (64, 1, 1), (1000, 8, 8)])
def test_a_call_takes_a_thread_per_sixteen_rows_at_most_one_per_core(rows, cores, expected,
                                                                    monkeypatch):
    monkeypatch.setattr(recurrent, "CORES", cores)
    assert recurrent.threads_for(rows) == expected


@needs_extension
def test_the_compiled_calls_refuse_what_they_cannot_take():
    call = kernels.compiled("recurrent_sequence")
    n, steps, f, u = 3, 4, 2, 2
    x, w = np.zeros((n, steps, f), np.float32), np.zeros((f, 4 * u), np.float32)
    r = np.zeros((u, 4 * u), np.float32)
    states = np.zeros((n, steps + 1, 2 * u), np.float32)
    gates, tc = np.zeros((steps, n, 4 * u), np.float32), np.zeros((steps, n, u), np.float32)

    def run(*changed, cell="lstm", **named):
        args = dict(x=x, w=w, b=None, r=r, rbias=None, states=states, gates=gates, aux=tc,
                    keep=None, rmask=None, backwards=False, relu=False, threads=2)
        args.update(named)
        call(cell, *args.values(), *changed)

    run()
    for bad in (states.astype(np.float64), states[:, :-1], np.zeros((2 * u, steps + 1, n), np.float32).T):
        with pytest.raises((ValueError, BufferError)):
            run(states=bad)
    with pytest.raises(ValueError, match="boolean"):
        run(keep=np.ones((n, steps), np.float32))
    with pytest.raises(ValueError, match="argument 2"):
        run(w=np.zeros((f, 4 * u - 1), np.float32))
    with pytest.raises(ValueError, match="argument 8"):
        run(aux=None)  # an LSTM needs its cell outputs' buffer
    with pytest.raises(ValueError, match="the cell must be"):
        run(cell="rnn")
    with pytest.raises(TypeError, match="takes 14 arguments"):
        run(0)


@needs_extension
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layer", ["SimpleRNN", "LSTM", "GRU"])
def test_a_recurrent_model_trains_to_the_same_weights_in_both_modes(dtype, layer, kernel_calls):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((24, 9, 4)).astype(dtype), rng.standard_normal((24, 1)).astype(dtype)
    x[::5, -3:] = 0.0  # masked steps
    called = kernel_calls
    weights = {}
    for mode in ("numpy", "compiled"):
        dg.set_seed(3)
        cls = getattr(dg.layers, layer)
        model = dg.Sequential([dg.layers.Input((9, 4)), dg.layers.Masking(0.0),
                               cls(7, return_sequences=True, recurrent_dropout=0.2, seed=1),
                               cls(5, go_backwards=True), dg.layers.Dense(1)])
        model.compile(optimizer=Adam(learning_rate=0.05), loss="mse")
        if dtype == np.float64:
            model.set_weights([w.astype(np.float64) for w in model.get_weights()])
        with kernels.using(mode):
            model.fit(x, y, batch_size=8, epochs=1, verbose=0, seed=0)  # 3 steps
        weights[mode] = model.get_weights()
    cell = {"SimpleRNN": "simple_rnn"}.get(layer, layer.lower())
    assert {"recurrent_sequence", "recurrent_sequence_backward"} <= set(called)
    for a, b in zip(weights["numpy"], weights["compiled"]):
        assert a.dtype == b.dtype
        rtol, atol = AGREEMENT[a.dtype.type]
        np.testing.assert_allclose(b, a, rtol=rtol * 10, atol=atol * 10)
