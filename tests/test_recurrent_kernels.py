"""The compiled SimpleRNN, LSTM and GRU steps (``native/recurrent.c``): their exponential, sigmoid and tanh
against NumPy's, and whole sequences and training runs against the NumPy steps they replace.
The compiled steps compute the gates with their own vectorized exponential, so they agree with
the NumPy steps to rounding (a few units in the last place per operation), not bitwise."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.native import kernels
from deepgrad.ops.gru import GRUSequence
from deepgrad.ops.lstm import LSTMSequence
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
              n=5, steps=7, u=6):
    """A recurrent primitive's output and gradients in ``mode``, on inputs with extreme gates."""
    rng = np.random.default_rng(1)
    gates = {"lstm": 4, "gru": 3, "simple_rnn": 1}[cell]
    xw = (rng.standard_normal((n, steps, gates * u)) * 3).astype(dtype)
    xw[1, 1, :4] = [-200, 200, -1000, -0.0][:gates * u]  # below the exp floor, saturated, -0
    if special:
        xw[0, 0, :4] = [np.nan, np.inf, -np.inf, -0.0][:gates * u]
    r = (rng.standard_normal((u, gates * u)) * 0.5).astype(dtype)
    states = [rng.standard_normal((n, u)).astype(dtype) for _ in range(2 if cell == "lstm" else 1)]
    inputs = [xw, r]
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
    assert {f"{cell}_step", f"{cell}_step_backward"} <= set(called)
    rtol, atol = AGREEMENT[dtype]
    # output; xw, kernel; h0, c0 (LSTM) or bias, h0 (GRU) or h0 (SimpleRNN)
    assert len(expected) == len(got) == (4 if cell == "simple_rnn" else 5)
    for a, b in zip(expected, got):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)


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
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)  # infinities equal, NaNs aligned


@needs_extension
def test_the_step_kernels_refuse_what_they_cannot_take():
    step = kernels.compiled("lstm_step")
    n, steps, u = 3, 4, 2
    z, xw = np.zeros((n, 4 * u), np.float32), np.zeros((n, steps, 4 * u), np.float32)
    states, tc = np.zeros((n, steps + 1, 2 * u), np.float32), np.zeros((n, u), np.float32)
    step(z, xw, 1, states, 0, tc, None, False)
    for bad in (states.astype(np.float64), states[:, :-1], np.zeros((n, steps + 1, 2 * u), np.float32)[:, :, ::1].T):
        with pytest.raises((ValueError, BufferError)):
            step(z, xw, 1, bad, 0, tc, None, False)
    with pytest.raises(ValueError, match="boolean"):
        step(z, xw, 1, states, 0, tc, np.ones((n, steps), np.float32), False)
    with pytest.raises(IndexError, match="step 4 lies outside the 4 steps"):
        step(z, xw, 4, states, 0, tc, None, False)
    with pytest.raises(TypeError, match="takes 8 arguments"):
        step(z, xw, 1, states, 0, tc, None)
    with pytest.raises(ValueError, match=r"\(n, 3\*units\)"):
        kernels.compiled("gru_step")(np.zeros((n, 7), np.float32), z, z[0], xw, 0, states, 0, None, False)


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
    assert {f"{cell}_step", f"{cell}_step_backward"} <= set(called)
    for a, b in zip(weights["numpy"], weights["compiled"]):
        assert a.dtype == b.dtype
        rtol, atol = AGREEMENT[a.dtype.type]
        np.testing.assert_allclose(b, a, rtol=rtol * 10, atol=atol * 10)
