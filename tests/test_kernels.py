"""The compiled kernels: mode switching, and bitwise agreement with the NumPy updates they replace
on every path an optimizer step can take (all gradients read in place, some gradients missing,
clipping, non-finite values)."""

import subprocess
import sys

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.native import kernels
from deepgrad.optimizers import SGD, Adadelta, Adagrad, Adam, AdamW, Nadam, RMSprop

# --------------------------------------------------------------------------- modes


def test_mode_switching_and_restoring():
    assert kernels.get_mode() in kernels.MODES
    before = kernels.get_mode()
    with kernels.using("numpy"):
        assert kernels.get_mode() == "numpy"
        assert kernels.compiled("adam") is None
    assert kernels.get_mode() == before


def test_unknown_mode_is_refused_by_name():
    with pytest.raises(ValueError, match=r"one of \('auto', 'numpy', 'compiled'\); got 'fast'"):
        kernels.set_mode("fast")


def test_unknown_mode_in_the_environment_fails_at_import():
    done = subprocess.run([sys.executable, "-c", "import deepgrad"], capture_output=True, text=True, check=False,
                          env={"DEEPGRAD_KERNELS": "gpu", "PATH": ""})
    assert done.returncode != 0
    assert "got 'gpu'" in done.stderr


def test_without_the_extension_auto_uses_numpy_and_compiled_says_why(monkeypatch):
    monkeypatch.setattr(kernels, "_functions", {})  # as when no C compiler was found
    before = kernels.get_mode()
    with pytest.raises(ImportError, match="C extension, which was not built"):
        kernels.set_mode("compiled")
    assert kernels.get_mode() == before
    with kernels.using("auto"):
        assert kernels.compiled("adam") is None
    assert not kernels.available()


# --------------------------------------------------------------------------- agreement

needs_extension = pytest.mark.skipif(not kernels.available(), reason="the C extension was not built")


@needs_extension
@pytest.mark.parametrize("kernel, arrays, flags, floats", [
    ("adam", 5, 2, 7), ("sgd", 3, 2, 3), ("nadam", 4, 1, 10), ("adagrad", 3, 1, 3),
    ("adadelta", 4, 1, 5), ("rmsprop", 5, 3, 6),
])
def test_kernels_refuse_mismatched_buffers(kernel, arrays, flags, floats):
    function = kernels.compiled(kernel)
    scalars = [False] * flags + [0.5] * floats
    good = [np.zeros(4, np.float32) for _ in range(arrays)]
    function(*good, *scalars)
    for bad in (np.zeros(4, np.float64), np.zeros(5, np.float32), np.zeros((2, 2), np.float32),
                np.zeros(8, np.float32)[::2], np.zeros(4, np.int32)):
        with pytest.raises((ValueError, BufferError)):
            function(*good[:-1], bad, *scalars)
    readonly = np.zeros(4, np.float32)
    readonly.flags.writeable = False
    with pytest.raises((ValueError, BufferError)):
        function(readonly, *good[1:], *scalars)
    with pytest.raises(TypeError, match="arguments"):
        function(*good)

SHAPES = [(60, 300), (300,), (40, 7), (7,)]

OPTIMIZERS = {
    "adam": lambda: Adam(learning_rate=0.01),
    "adam-amsgrad": lambda: Adam(learning_rate=0.01, amsgrad=True),
    "adamw": lambda: AdamW(learning_rate=0.01, weight_decay=0.1),
    "adam-clipnorm": lambda: Adam(learning_rate=0.01, clipnorm=0.5),
    "adam-global-clipnorm": lambda: Adam(learning_rate=0.01, global_clipnorm=1.0),
    "sgd": lambda: SGD(learning_rate=0.1),
    "sgd-decay": lambda: SGD(learning_rate=0.1, weight_decay=0.01),
    "sgd-momentum": lambda: SGD(learning_rate=0.1, momentum=0.9),
    "sgd-nesterov-clipvalue": lambda: SGD(learning_rate=0.1, momentum=0.9, nesterov=True, clipvalue=0.3),
    "nadam": lambda: Nadam(learning_rate=0.01),
    "nadam-decay": lambda: Nadam(learning_rate=0.01, weight_decay=0.05),
    "adagrad": lambda: Adagrad(learning_rate=0.1),
    "adagrad-clipnorm": lambda: Adagrad(learning_rate=0.1, clipnorm=1.0, weight_decay=0.01),
    "adadelta": lambda: Adadelta(learning_rate=1.0),
    "adadelta-decay": lambda: Adadelta(learning_rate=1.0, weight_decay=0.01),
    "rmsprop": lambda: RMSprop(learning_rate=0.01),
    "rmsprop-centered": lambda: RMSprop(learning_rate=0.01, centered=True),
    "rmsprop-momentum": lambda: RMSprop(learning_rate=0.01, momentum=0.9, weight_decay=0.01),
    "rmsprop-centered-momentum": lambda: RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
}


def train(mode, make, dtype, missing=(), special=None, steps=12):
    """Weights and optimizer state after ``steps`` steps on random gradients spanning six
    orders of magnitude; parameters in ``missing`` get no gradient on odd steps."""
    rng = np.random.default_rng(0)
    params = [dg.Parameter(rng.standard_normal(shape).astype(dtype)) for shape in SHAPES]
    optimizer = make()
    with kernels.using(mode):
        for t in range(steps):
            for i, p in enumerate(params):
                if i in missing and t % 2:
                    p.grad = None
                    continue
                p.grad = (rng.standard_normal(p.shape) * 10.0 ** rng.integers(-3, 3)).astype(dtype)
                if special is not None and t == 3 and i == 0:
                    p.grad.flat[: len(special)] = special
            optimizer.step(params)
    return [p.data.copy() for p in params], optimizer.state_dict()


def assert_same(a, b):
    (weights_a, state_a), (weights_b, state_b) = a, b
    for x, y in zip(weights_a, weights_b):
        np.testing.assert_array_equal(x, y, strict=True)
    assert state_a.keys() == state_b.keys()
    for key in state_a:
        np.testing.assert_array_equal(state_a[key], state_b[key], strict=True)


@needs_extension
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_compiled_update_is_bitwise_the_numpy_update(name, dtype):
    make = OPTIMIZERS[name]
    assert_same(train("numpy", make, dtype), train("compiled", make, dtype))


@needs_extension
@pytest.mark.parametrize("name", ["adam-amsgrad", "adamw", "sgd-momentum", "nadam", "adadelta",
                                  "rmsprop-centered-momentum"])
def test_bitwise_agreement_when_some_gradients_are_missing(name):
    make = OPTIMIZERS[name]
    assert_same(train("numpy", make, np.float32, missing={1, 2}), train("compiled", make, np.float32, missing={1, 2}))


@needs_extension
@pytest.mark.parametrize("name", ["adam", "adam-amsgrad", "sgd-nesterov-clipvalue", "nadam", "adagrad",
                                  "adadelta", "rmsprop-centered-momentum"])
def test_bitwise_agreement_with_non_finite_gradients(name):
    special = np.array([np.nan, np.inf, -np.inf, 0.0])
    make = OPTIMIZERS[name]
    if "clip" in name:  # clipping refuses non-finite norms only for the norm options
        special = special[1:]
    with np.errstate(invalid="ignore", over="ignore"):
        assert_same(train("numpy", make, np.float32, special=special),
                    train("compiled", make, np.float32, special=special))


@needs_extension
def test_gradients_of_another_dtype_are_cast_as_numpy_casts_them():
    def run(mode):
        w = dg.Parameter(np.linspace(-1, 1, 20_000, dtype=np.float32))
        opt = Adam(learning_rate=0.1)
        with kernels.using(mode):
            for k in range(3):
                w.grad = np.sin(np.arange(20_000) * (k + 1.0))  # float64 gradient, float32 weight
                opt.step([w])
        return w.data.copy()

    np.testing.assert_array_equal(run("numpy"), run("compiled"), strict=True)


@needs_extension
def test_auto_mode_gives_the_same_fit_as_numpy():
    x = np.random.default_rng(1).standard_normal((256, 100)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int)

    def fit(mode):
        dg.set_seed(3)
        model = dg.Sequential([dg.layers.Input((100,)), dg.layers.Dense(200, activation="relu"),
                               dg.layers.Dense(2)])
        model.compile(optimizer=Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy")
        with kernels.using(mode):
            model.fit(x, y, batch_size=32, epochs=2, verbose=0, seed=0)
        return model.get_weights()

    for a, b in zip(fit("numpy"), fit("auto")):
        np.testing.assert_array_equal(a, b, strict=True)


@needs_extension
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_compiled_mode_runs_a_kernel(name, kernel_calls):
    """The agreement tests would pass vacuously if an optimizer never reached its kernel."""
    called = kernel_calls
    train("compiled", OPTIMIZERS[name], np.float32, steps=2)
    assert called and set(called) == {name.split("-")[0].replace("adamw", "adam")}


# --------------------------------------------------------------------------- dense-layer kernels


def _same_numbers(got, expected):
    """Bitwise equal, except that a NaN may be any NaN: IEEE 754 leaves the sign and payload of
    a NaN that arithmetic produces open, and a compiler may swap the operands of an addition
    (the NaN an x86 addition returns is its first operand's), so these differ between CPUs."""
    nan = np.isnan(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(np.isnan(got), nan)
    assert got[~nan].tobytes() == expected[~nan].tobytes()


def _with_special_values(array):
    """``array`` with signed zeros, NaN and infinities at its start (where it has room)."""
    special = np.array([-0.0, 0.0, np.nan, np.inf, -np.inf, -0.0, 1e-40], array.dtype)
    flat = array.reshape(-1)
    k = min(len(special), flat.size)
    flat[:k] = special[:k]
    return array


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (128, 256), (77, 130), (200, 10), (64, 1), (1000, 1),
                                   (2000, 2), (0, 5)])
@pytest.mark.parametrize("mode", ["numpy", "compiled"])
def test_bias_relu_and_relu_backward_are_bitwise_numpys_passes(dtype, shape, mode):
    if mode == "compiled" and not kernels.available():
        pytest.skip("the C extension was not built")
    from deepgrad.ops.affine import add_bias_relu, relu_backward

    rng = np.random.default_rng(0)
    out = _with_special_values(rng.standard_normal(shape).astype(dtype))
    bias = _with_special_values(rng.standard_normal(shape[1]).astype(dtype)[::-1].copy())
    grad = _with_special_values(rng.standard_normal(shape).astype(dtype)[::-1].copy())
    with np.errstate(invalid="ignore"), kernels.using(mode):
        for b in (bias, None):
            expected = out.copy()
            if b is not None:
                expected += b
            np.maximum(expected, 0, out=expected)
            got = add_bias_relu(out.copy(), b)
            _same_numbers(got, expected)
        expected_delta = grad * (out > 0)
        into = np.empty(shape[1], dtype)
        for bias_into in (None, into):
            delta, bias_grad = relu_backward(grad, out, True, bias_into)
            _same_numbers(delta, expected_delta)
            _same_numbers(bias_grad, expected_delta.sum(axis=0))
        assert mode == "numpy" or shape[0] == 0 or bias_grad is into  # written where it was asked
        delta, bias_grad = relu_backward(grad, out)
        _same_numbers(delta, expected_delta)
        assert bias_grad is None


@needs_extension
def test_dense_kernels_refuse_what_they_cannot_take():
    from deepgrad.native import _dense_layer as _cdense

    out = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match="argument 1 .* column count"):
        _cdense.bias_relu(out, np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="argument 1 .* dtype"):
        _cdense.bias_relu(out, np.zeros(3, np.float64))
    with pytest.raises(ValueError, match="two dimensions"):
        _cdense.bias_relu(np.zeros(3, np.float32), None)
    with pytest.raises(ValueError, match="argument 2 .* shape"):
        _cdense.relu_backward(out, out, np.zeros((3, 2), np.float32), None)
    with pytest.raises(TypeError, match="takes 4 arguments"):
        _cdense.relu_backward(out, out)
    with pytest.raises((ValueError, BufferError)):
        _cdense.bias_relu(np.zeros((3, 4), np.float32)[:, ::2], None)  # not contiguous


def test_the_dense_helpers_fall_back_to_numpy_for_what_the_kernels_cannot_take():
    from deepgrad.ops.affine import add_bias_relu, relu_backward

    out = np.arange(-6.0, 6.0).reshape(3, 4)[:, ::2]  # not contiguous
    assert add_bias_relu(out.copy(), np.ones(2)).tolist() == [[0.0, 0.0], [0.0, 1.0], [3.0, 5.0]]
    for bias in (np.ones((1, 2)), np.array(1.0)):  # biases that only broadcast
        assert add_bias_relu(np.array([[-2.0, 0.5]]), bias).tolist() == [[0.0, 1.5]]
    delta, _ = relu_backward(np.ones((3, 2), np.float32), out)
    assert delta.tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]


@needs_extension
def test_the_graph_and_the_recorded_step_reach_the_dense_kernels(kernel_calls):
    called = kernel_calls
    model = dg.Sequential([dg.layers.Input((3,)), dg.layers.Dense(4, "relu"), dg.layers.Dense(2)])
    model.compile("sgd", "mse")
    x = np.ones((5, 3), np.float32)
    model.fit(x, np.zeros((5, 2)), verbose=0)
    assert {"bias_relu", "relu_backward"} <= set(called)
    called.clear()
    model(dg.Tensor(x)).sum().backward()
    assert {"bias_relu", "relu_backward"} <= set(called)


@needs_extension
def test_fit_reaches_the_softmax_cross_entropy_kernels(kernel_calls):
    called = kernel_calls
    model = dg.Sequential([dg.layers.Input((3,)), dg.layers.Dense(4)])
    model.compile("sgd", dg.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(np.ones((5, 3), np.float32), [0, 1, 2, 3, 0], verbose=0)
    assert {"softmax_shift", "softmax_ce_sparse"} <= set(called)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 2), (3, 7), (128, 256), (77, 130), (64, 1), (0, 5), (2000, 3)])
def test_batch_norm_passes_are_bitwise_numpys(dtype, shape):
    if not kernels.available():
        pytest.skip("the C extension was not built")
    from deepgrad.ops import normalization as bn

    rng = np.random.default_rng(1)
    x = _with_special_values(rng.standard_normal(shape).astype(dtype))
    grad = _with_special_values(rng.standard_normal(shape).astype(dtype)[::-1].copy())
    vectors = [rng.standard_normal(shape[1]).astype(dtype) + 2 for _ in range(5)]
    results = {}
    for mode in ("numpy", "compiled"):
        with np.errstate(all="ignore"), kernels.using(mode):
            mean, variance, centered = bn.statistics(x)
            normalized, out = bn.scale(centered, vectors[0], vectors[1], vectors[2])
            plain = bn.scale(centered, vectors[0], None, None)
            sums = bn.sums(grad, normalized)
            dx = bn.input_grad(grad, normalized, vectors[1], vectors[3], vectors[4], vectors[0])
            dx_inference = bn.input_grad(grad, normalized, None, None, None, vectors[0])
        results[mode] = [mean, variance, centered, normalized, out, *plain, *sums, dx, dx_inference]
    for a, b in zip(results["numpy"], results["compiled"]):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@needs_extension
def test_the_batch_norm_kernels_refuse_what_they_cannot_take():
    from deepgrad.native import _batch_norm

    x = np.zeros((3, 4), np.float32)
    with pytest.raises(TypeError, match="takes 4 arguments"):
        _batch_norm.batch_norm_statistics(x)
    with pytest.raises(ValueError, match="argument 1 .* column count"):
        _batch_norm.batch_norm_statistics(x, np.zeros(3, np.float32), np.zeros(4, np.float32), x.copy())
    with pytest.raises(ValueError, match="argument 3 .* shape"):
        _batch_norm.batch_norm_statistics(x, np.zeros(4, np.float32), np.zeros(4, np.float32), x[:2].copy())
    with pytest.raises(ValueError, match="both None or neither"):
        _batch_norm.batch_norm_input_grad(x, x, None, np.zeros(4, np.float32), None,
                                          np.ones(4, np.float32), x.copy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [1, 7, 784, 100_003])
def test_the_finiteness_kernel_agrees_with_numpy(dtype, size):
    if not kernels.available():
        pytest.skip("the C extension was not built")
    from deepgrad.native import _validation

    rng = np.random.default_rng(size)
    finite = (rng.standard_normal(size) * 1e30).astype(dtype)
    finite[::3] = np.finfo(dtype).max
    finite[1::5] = -0.0
    finite[2::7] = np.finfo(dtype).tiny / 8  # subnormal: finite
    assert _validation.all_finite(finite) is True
    for bad in (np.nan, np.inf, -np.inf):
        for where in (0, size // 2, size - 1):
            array = finite.copy()
            array[where] = bad
            assert _validation.all_finite(array) is False
            assert _validation.all_finite(array.reshape(1, -1)) is False


def test_check_finite_falls_back_to_numpy_for_what_the_kernel_cannot_take():
    from deepgrad.data import check_finite

    for array in (np.array([[1.0, np.nan, 2.0]], np.float16), np.ones((3, 4))[:, ::2],
                  np.array([1 + 1j, np.inf])):
        bad = not np.isfinite(array).all()
        if bad:
            with pytest.raises(ValueError, match="must be finite"):
                check_finite(array, "x")
        else:
            check_finite(array, "x")


# --------------------------------------------------------------------------- window kernels


def _pool_input(rng, shape, dtype, special):
    """Post-ReLU values (many tied zeros), with, when ``special``, signed zeros, NaNs of two
    payloads and both signs, and infinities sprinkled in."""
    x = np.maximum(rng.standard_normal(shape), 0).astype(dtype)
    if special:
        bits = np.uint32 if dtype == np.float32 else np.uint64
        odd_nan = (np.array([np.nan], dtype).view(bits) | bits(5)).view(dtype)[0]
        values = np.array([-0.0, 0.0, np.nan, -np.nan, odd_nan, np.inf, -np.inf], dtype)
        where = rng.random(shape) < 0.15
        x[where] = rng.choice(values, where.sum())
    return x


POOL_CASES = [  # (input shape, pool, strides, pads)
    ((2, 8, 8, 32), (2, 2), (2, 2), ((0, 0), (0, 0))),  # tiled
    ((3, 7, 9, 1), (2, 2), (2, 2), ((0, 0), (0, 0))),  # odd sizes: the last row and column left out
    ((2, 9, 8, 33), (3, 2), (3, 2), ((0, 0), (0, 0))),
    ((2, 11, 10, 33), (3, 2), (4, 3), ((0, 0), (0, 0))),  # strides > pool: gaps between windows
    ((2, 9, 7, 5), (3, 3), (2, 2), ((1, 1), (0, 1))),  # overlapping, padded ("same")
    ((1, 6, 5, 2), (3, 2), (1, 1), ((0, 0), (0, 0))),  # overlapping, stride 1
    ((2, 4, 5, 3), (1, 1), (1, 1), ((0, 0), (0, 0))),
    ((2, 1, 12, 4), (1, 3), (1, 3), ((0, 0), (1, 1))),  # 1-D pooling, padded
]


@needs_extension
@pytest.mark.parametrize("special", [False, True], ids=["finite", "special"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", range(len(POOL_CASES)))
def test_max_pool_kernels_are_bitwise_numpys_walk(case, dtype, special, kernel_calls):
    from deepgrad.ops.pooling import MaxPool

    shape, pool, strides, pads = POOL_CASES[case]
    disjoint = strides[0] >= pool[0] and strides[1] >= pool[1]
    rng = np.random.default_rng(case)
    x = _pool_input(rng, shape, dtype, special)
    called = kernel_calls
    results = {}
    with np.errstate(invalid="ignore"):
        for mode in ("numpy", "compiled"):
            with kernels.using(mode):
                op = MaxPool(pool, strides, pads)
                out = op.forward(x)
                grad = _pool_input(np.random.default_rng(1), out.shape, dtype, special)
                grad -= np.asarray(0.7, dtype)  # negative gradients: grad · 0 is -0 there
                x_grad = op.backward(grad)[0]
            results[mode] = (out, op.argmax, x_grad)
    assert called == ["max_pool_forward", "max_pool_backward"]
    for a, b in zip(results["numpy"], results["compiled"]):
        assert a.dtype == b.dtype and a.shape == b.shape
        if special and b is results["compiled"][2] and not disjoint:
            # overlapping windows add gradients: which of two NaNs an addition keeps is left to
            # the compilers (NumPy's and this one), so NaNs are compared as NaNs there
            nan = np.isnan(a)
            assert (nan == np.isnan(b)).all() and a[~nan].tobytes() == b[~nan].tobytes()
        else:
            assert a.tobytes() == b.tobytes()
    if not special:  # ties (the zeros) go to the first offset holding the maximum
        out, argmax, x_grad = results["compiled"]
        (ph, pw), (sh, sw), (oh, ow) = pool, strides, out.shape[1:3]
        xp = np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=-np.inf)
        parts = np.stack([xp[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
                          for i in range(ph) for j in range(pw)])
        assert (argmax == np.argmax(parts == out, axis=0)).all()
        if disjoint and ph * pw > 1:  # written, not added: grad · 0 is -0 for a negative grad
            assert np.signbit(x_grad[x_grad == 0]).any()


def test_max_pool_takes_non_contiguous_inputs_and_gradients():
    from deepgrad.ops.pooling import MaxPool

    x = np.random.default_rng(0).standard_normal((2, 8, 6, 6))[..., ::2]  # not contiguous
    grad = np.random.default_rng(1).standard_normal((2, 4, 5, 6))[..., ::2]
    results = []
    for mode in ("numpy", "auto"):
        with kernels.using(mode):
            op = MaxPool((2, 2), (2, 1))
            out = op.forward(x)
            results.append((out, op.backward(grad)[0]))
    for a, b in zip(*results):
        assert a.tobytes() == b.tobytes()


def _scatter_rows(rng, rows, width, dtype):
    """Rows spanning many magnitudes (so that another order of additions would show), with
    negative zeros."""
    cols = (rng.standard_normal((rows, width)) * 10.0 ** rng.integers(-6, 6, (rows, width)))
    cols = cols.astype(dtype)
    cols.reshape(-1)[::7] = -0.0
    return cols


SCATTER_CASES = [  # (n, out_h, out_w, channels, kernel, strides, dilation)
    (2, 6, 5, 1, (3, 3), (1, 1), (1, 1)),
    (3, 4, 4, 33, (3, 2), (1, 1), (1, 1)),
    (2, 3, 5, 4, (3, 3), (2, 2), (1, 1)),
    (2, 4, 3, 3, (2, 3), (1, 1), (2, 2)),
    (1, 3, 3, 2, (2, 2), (3, 3), (1, 1)),  # gaps between the windows: positions never added to
    (2, 1, 7, 8, (1, 5), (1, 1), (1, 1)),  # 1-D
]


@needs_extension
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", range(len(SCATTER_CASES)))
def test_add_windows_is_bitwise_numpys_scatter(case, dtype, kernel_calls):
    from deepgrad.ops.convolution import scatter

    n, oh, ow, c, kernel, strides, dilation = SCATTER_CASES[case]
    hp = (oh - 1) * strides[0] + dilation[0] * (kernel[0] - 1) + 1 + case % 2  # a spare row
    wp = (ow - 1) * strides[1] + dilation[1] * (kernel[1] - 1) + 1
    cols = _scatter_rows(np.random.default_rng(case), n * oh * ow, kernel[0] * kernel[1] * c, dtype)
    called = kernel_calls
    results = []
    for mode in ("numpy", "compiled"):
        with kernels.using(mode):
            results.append(scatter(cols, (n, hp, wp, c), kernel, strides, dilation, (oh, ow)))
    assert called == ["add_windows"]
    a, b = results
    assert a.dtype == b.dtype == dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@needs_extension
@pytest.mark.parametrize("groups", [1, 2])
def test_the_input_gradient_and_the_transposed_convolution_are_bitwise_the_same_in_both_modes(groups):
    from deepgrad.ops.convolution import Convolution, ConvolutionTranspose

    rng = np.random.default_rng(groups)
    x = rng.standard_normal((3, 9, 8, 4)).astype(np.float32)
    w = rng.standard_normal((3, 2, 4 // groups, 6)).astype(np.float32)
    results = {}
    for mode in ("numpy", "compiled"):
        with kernels.using(mode):
            conv = Convolution((2, 1), (1, 1), ((1, 1), (0, 1)), groups, activation="relu")
            conv.needs_input_grad = (True, True)
            out = conv.forward(x, w)
            grads = conv.backward(np.random.default_rng(0).standard_normal(out.shape).astype(np.float32))
            transpose = ConvolutionTranspose((2, 2), (1, 1), ((1, 0), (0, 1)))
            results[mode] = [out, *grads, transpose.forward(x, rng.standard_normal((3, 3, 5, 4)))]
        rng = np.random.default_rng(groups)
        x, w = rng.standard_normal((3, 9, 8, 4)).astype(np.float32), rng.standard_normal((3, 2, 4 // groups, 6)).astype(np.float32)
    for a, b in zip(results["numpy"], results["compiled"]):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@needs_extension
def test_the_window_kernels_refuse_what_they_cannot_take():
    from deepgrad.native import _windows

    xp = np.zeros((2, 6, 6, 3), np.float32)
    out, argmax = np.zeros((2, 3, 3, 3), np.float32), np.zeros((2, 3, 3, 3), np.uint8)
    _windows.max_pool_forward(xp, out, argmax, 2, 2, 2, 2)
    with pytest.raises(TypeError, match="takes 7 arguments"):
        _windows.max_pool_forward(xp, out, argmax, 2, 2)
    with pytest.raises(ValueError, match=r"argument 1 .* shape \(2, 3, 3, 3\)"):
        _windows.max_pool_forward(xp, np.zeros((2, 2, 3, 3), np.float32), argmax, 2, 2, 2, 2)
    with pytest.raises(ValueError, match="argument 1 must have argument 0's dtype"):
        _windows.max_pool_forward(xp, out.astype(np.float64), argmax, 2, 2, 2, 2)
    with pytest.raises(ValueError, match="argument 2 must be a contiguous array of uint8"):
        _windows.max_pool_forward(xp, out, argmax.astype(bool), 2, 2, 2, 2)
    with pytest.raises(ValueError, match="argument 0 must be a contiguous array of float32"):
        _windows.max_pool_forward(xp.astype(np.int32), out, argmax, 2, 2, 2, 2)
    with pytest.raises(ValueError, match="argument 5 must be at least 1; got 0"):
        _windows.max_pool_forward(xp, out, argmax, 2, 2, 0, 2)
    with pytest.raises(ValueError, match="larger than the image"):
        _windows.max_pool_forward(xp, out, argmax, 7, 2, 2, 2)
    with pytest.raises(ValueError, match="at most 256"):
        _windows.max_pool_forward(xp, out, argmax, 17, 17, 2, 2)
    with pytest.raises((ValueError, BufferError)):
        _windows.max_pool_forward(np.zeros((2, 6, 6, 6), np.float32)[..., ::2], out, argmax, 2, 2, 2, 2)
    with pytest.raises((ValueError, BufferError)):
        readonly = out.copy()
        readonly.flags.writeable = False
        _windows.max_pool_forward(xp, readonly, argmax, 2, 2, 2, 2)
    _windows.max_pool_backward(out, argmax, xp, 2, 2, 2, 2)
    with pytest.raises(ValueError, match="argument 2 must have argument 0's dtype"):
        _windows.max_pool_backward(out, argmax, xp.astype(np.float64), 2, 2, 2, 2)
    with pytest.raises(ValueError, match=r"argument 0 must have the shape \(2, 3, 3, 3\)"):
        _windows.max_pool_backward(out[:1], argmax, xp, 2, 2, 2, 2)
    cols = np.zeros((2 * 4 * 4, 9 * 3), np.float64)
    xp64 = np.zeros((2, 6, 6, 3))
    _windows.add_windows(cols, xp64, 3, 3, 1, 1, 1, 1, 4, 4)
    with pytest.raises(TypeError, match="takes 10 arguments"):
        _windows.add_windows(cols, xp64, 3, 3, 1, 1, 1, 1)
    with pytest.raises(ValueError, match=r"argument 0 must have the shape \(32, 18\)"):
        _windows.add_windows(cols, xp64, 3, 2, 1, 1, 1, 1, 4, 4)
    with pytest.raises(ValueError, match=r"windows span \(6, 8\)"):
        _windows.add_windows(cols, xp64, 3, 3, 1, 1, 1, 2, 4, 4)
    with pytest.raises(ValueError, match="argument 1 must have argument 0's dtype"):
        _windows.add_windows(cols, xp, 3, 3, 1, 1, 1, 1, 4, 4)


def _conv_pool_model(pooling):
    dg.set_seed(5)
    model = dg.Sequential([
        dg.layers.Input((12, 11, 2)), dg.layers.Conv2D(6, 3, activation="relu", padding="same"),
        pooling, dg.layers.Conv2D(5, (2, 3), strides=(1, 2), activation="relu"),
        dg.layers.MaxPooling2D(2), dg.layers.Flatten(), dg.layers.Dense(3)])
    model.compile(optimizer=Adam(learning_rate=0.05), loss="sparse_categorical_crossentropy")
    return model


@needs_extension
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pool", [((2, 2), None), ((3, 3), (2, 2))], ids=["disjoint", "overlapping"])
def test_a_conv_pool_model_trains_to_bitwise_the_same_weights_in_both_modes(pool, dtype, kernel_calls):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((24, 12, 11, 2)).astype(dtype), rng.integers(0, 3, 24)
    called = kernel_calls
    weights = {}
    for mode in ("numpy", "compiled"):
        model = _conv_pool_model(dg.layers.MaxPooling2D(*pool))
        if dtype == np.float64:
            model.set_weights([w.astype(np.float64) for w in model.get_weights()])
        with kernels.using(mode):
            model.fit(x, y, batch_size=8, epochs=1, verbose=0, seed=0)  # 3 steps
        weights[mode] = model.get_weights()
    assert {"max_pool_forward", "max_pool_backward", "add_windows"} <= set(called)
    for a, b in zip(weights["numpy"], weights["compiled"]):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
