"""The registries: one lookup mechanism for every family, and tests generated from its entries.

The parametrizations below are read from the registries themselves when this module is
collected, so an entry added to any family is covered the day it lands; an entry that cannot be
built without arguments must get an example in :data:`EXAMPLES`, or its round-trip test fails.
"""

from __future__ import annotations

import inspect
import json
import re
import sys

import numpy as np
import pytest

import deepgrad
from deepgrad import (
    activations,
    initializers,
    layers,
    losses,
    metrics,
    optimizers,
    regularizers,
    schedules,
)
from deepgrad.common.registry import Registry, normalize, snake_case

#: family (as its registry names it) → (module with get/serialize, its registry).
FAMILIES = {
    "activation": (activations, activations.ACTIVATIONS),
    "initializer": (initializers, initializers.REGISTRY),
    "regularizer": (regularizers, regularizers.REGISTRY),
    "loss": (losses, losses.LOSSES),
    "metric": (metrics, metrics.REGISTRY),
    "optimizer": (optimizers, optimizers.REGISTRY),
    "learning-rate schedule": (schedules, schedules.REGISTRY),
    "layer": (layers, layers.LAYERS),
    "recurrent cell": (layers.cells, layers.cells.CELLS),
}

_FEATURES = layers.Input((3,))
#: Constructor arguments for the entries that have required ones.
EXAMPLES = {
    ("learning-rate schedule", "exponential_decay"): dict(
        initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5, staircase=True
    ),
    ("learning-rate schedule", "inverse_time_decay"): dict(
        initial_learning_rate=0.1, decay_steps=2.0, decay_rate=0.5
    ),
    ("learning-rate schedule", "piecewise_constant_decay"): dict(
        boundaries=[10, 20], values=[0.1, 0.01, 0.001]
    ),
    ("learning-rate schedule", "cosine_decay"): dict(
        initial_learning_rate=0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10
    ),
    ("layer", "input_layer"): dict(shape=(3,)),
    ("layer", "dense"): dict(units=3, activation="relu"),
    ("layer", "conv2d"): dict(filters=2, kernel_size=3, strides=2, padding="same", activation="relu"),
    ("layer", "conv1d"): dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2),
    ("layer", "conv2d_transpose"): dict(filters=2, kernel_size=3, strides=2, output_padding=1),
    ("layer", "depthwise_conv2d"): dict(kernel_size=3, depth_multiplier=2),
    ("layer", "separable_conv2d"): dict(filters=4, kernel_size=(3, 1), depth_multiplier=2),
    ("layer", "activation"): dict(activation="tanh"),
    ("layer", "dropout"): dict(rate=0.25, seed=1),
    ("layer", "random_rotation"): dict(factor=(-0.25, 0.5), fill_mode="constant", seed=1),
    ("layer", "random_translation"): dict(height_factor=0.1, width_factor=(-0.2, 0.3), seed=2),
    ("layer", "random_zoom"): dict(height_factor=(0.1, 0.2), interpolation="nearest", seed=3),
    ("layer", "random_crop"): dict(height=24, width=20, seed=4),
    ("layer", "spatial_dropout1d"): dict(rate=0.25, seed=1),
    ("layer", "spatial_dropout2d"): dict(rate=0.25, seed=1),
    ("layer", "residual"): dict(layers=[layers.Dense(4)]),
    ("layer", "functional"): dict(inputs=_FEATURES, outputs=layers.Dense(2)(_FEATURES)),
    ("layer", "tensor_operation"): dict(operation="multiply", constant=[1.0, 2.0, 3.0]),
    ("layer", "rescaling"): dict(scale=1 / 255, offset=0.5),
    ("layer", "reshape"): dict(target_shape=(2, -1)),
    ("layer", "permute"): dict(dims=(2, 1)),
    ("layer", "repeat_vector"): dict(n=3),
    ("layer", "dot"): dict(axes=(1, 2), normalize=True),
    ("layer", "lambda"): dict(function=abs),
    ("layer", "simple_rnn"): dict(units=3, activation="relu", return_sequences=True),
    ("layer", "lstm"): dict(units=3, recurrent_activation="tanh", unit_forget_bias=False),
    ("layer", "gru"): dict(units=3, reset_after=False, go_backwards=True),
    ("layer", "embedding"): dict(input_dim=10, output_dim=4, mask_zero=True),
    ("layer", "time_distributed"): dict(layer=layers.Dense(2)),
    ("layer", "bidirectional"): dict(layer=layers.LSTM(3, return_sequences=True), merge_mode="ave"),
    ("layer", "rnn"): dict(cell=[layers.LSTMCell(3), layers.GRUCell(2)], return_state=True),
    ("recurrent cell", "simple_rnn_cell"): dict(units=3, activation="relu"),
    ("recurrent cell", "lstm_cell"): dict(units=3, unit_forget_bias=False),
    ("recurrent cell", "gru_cell"): dict(units=3, reset_after=False),
    ("recurrent cell", "stacked_rnn_cells"): dict(cells=[layers.LSTMCell(2), layers.GRUCell(2)]),
    ("metric", "mean_metric_wrapper"): dict(fn=metrics.mean_absolute_error),
}


#: Entries that hold Python code and so have no config (model files never hold code).
NO_CONFIG = {("layer", "lambda")}


def _is_builtin(obj) -> bool:
    """Whether ``obj`` is deepgrad's own: defined at the top level of a deepgrad module (not a
    class that a test or a doctest registered by defining it)."""
    module = sys.modules.get(getattr(obj, "__module__", None) or "")
    return (
        module is not None and module.__name__.startswith("deepgrad.")
        and getattr(module, obj.__qualname__, None) is obj
    )


def _required(entry) -> list[str]:
    """The constructor arguments without a default of a class entry ([] for functions)."""
    if not isinstance(entry, type):
        return []
    return [
        p.name for p in inspect.signature(entry).parameters.values()
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _camel(name: str) -> str:
    return "".join(word.capitalize() for word in name.split("_"))


ENTRIES = [
    (family, name)
    for family, (_, registry) in FAMILIES.items()
    for name in registry
    if _is_builtin(registry[name])
]
SPELLINGS = [
    (family, name, spelling)
    for family, (_, registry) in FAMILIES.items()
    for name in [*registry, *registry.aliases]
    if _is_builtin(registry.lookup(name))
    for spelling in dict.fromkeys([name, name.upper(), _camel(name)])
]


def _equivalent(a, b) -> bool:
    if inspect.isfunction(a) or inspect.isfunction(b):
        return a is b
    return type(a) is type(b) and a.get_config() == b.get_config()


def _json(value):
    return json.loads(json.dumps(value))


# ---------------------------------------------------------------------- the families


def test_every_registry_in_deepgrad_is_a_family_here():
    found = {
        id(value): f"{module.__name__}.{attr}"
        for module in list(sys.modules.values())
        if getattr(module, "__name__", "").startswith("deepgrad")
        for attr, value in vars(module).items()
        if isinstance(value, Registry)
    }
    assert set(found) == {id(registry) for _, registry in FAMILIES.values()}, found
    for family, (_, registry) in FAMILIES.items():
        assert registry.family == family
    assert len(ENTRIES) >= 60  # every family has its built-in entries


def test_examples_name_registered_entries():
    for family, name in EXAMPLES:
        assert name in FAMILIES[family][1], (family, name)


@pytest.mark.parametrize(
    "family, name, spelling", SPELLINGS, ids=[f"{f}-{s}" for f, _, s in SPELLINGS]
)
def test_every_name_and_alias_resolves_in_any_spelling(family, name, spelling):
    module, registry = FAMILIES[family]
    canonical = registry.canonical(name)
    entry = registry[canonical]
    assert registry.canonical(spelling) == canonical
    assert registry.lookup(spelling) is entry
    # ... and the family's own get() resolves it the same way.
    if _required(entry) or (family, canonical) in EXAMPLES:
        with pytest.raises(ValueError, match=f"{entry.__name__} needs "):
            module.get(spelling)
        return
    result = module.get(spelling)
    if family == "activation":
        assert result is entry
    elif family == "initializer":  # a function, or an instance for a Keras class name
        assert result is initializers.get(canonical) or type(result) is entry
    elif family == "metric" and canonical == "accuracy":  # chosen from the loss
        assert isinstance(result, metrics.Metric) and result.name == spelling
    else:
        assert type(result) is entry


@pytest.mark.parametrize("family", FAMILIES)
def test_unknown_names_raise_the_shared_message(family):
    module, registry = FAMILIES[family]
    aliases = ", ".join(f"{alias} = {name}" for alias, name in sorted(registry.aliases.items()))
    expected = (
        f"unknown {family} 'zzz_no_such_name'. Valid names: {', '.join(sorted(registry))}"
        + (f" (aliases: {aliases})" if aliases else "")
    )
    with pytest.raises(ValueError) as error:
        module.get("zzz_no_such_name")
    assert str(error.value) == expected
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        module.get({"class_name": "zzz_no_such_name", "config": {}})


@pytest.mark.parametrize("family, name", ENTRIES, ids=[f"{f}-{n}" for f, n in ENTRIES])
def test_a_typo_suggests_the_name(family, name):
    module, registry = FAMILIES[family]
    typo = name + "x"
    message = f"^unknown {re.escape(family)} '{typo}'\\. Did you mean '"
    with pytest.raises(ValueError, match=message) as error:
        module.get(typo)
    suggestion = re.search(r"Did you mean '([^']*)'", str(error.value)).group(1)
    assert registry.canonical(suggestion) == name


def _example(family: str, name: str):
    """An instance of a class entry, built with its example arguments or none; fails the test
    when the entry cannot be built without arguments and has no example."""
    entry = FAMILIES[family][1][name]
    example = EXAMPLES.get((family, name))
    if example is not None:
        return entry(**example)
    try:
        return entry()
    except (TypeError, ValueError) as error:
        pytest.fail(
            f"the {family} {name!r} cannot be built without arguments ({error}) and has no "
            f"example: add one to EXAMPLES in {__name__}"
        )


@pytest.mark.parametrize("family, name", ENTRIES, ids=[f"{f}-{n}" for f, n in ENTRIES])
def test_config_round_trip(family, name):
    module, registry = FAMILIES[family]
    entry = registry[name]
    if (family, name) in NO_CONFIG:
        with pytest.raises(TypeError, match="arbitrary Python code"):
            module.serialize(_example(family, name))
        return
    objects = [_example(family, name)] if isinstance(entry, type) else []
    if family in ("activation", "initializer"):  # get() gives functions for these names
        objects.append(module.get(name))
    for obj in objects:
        spec = _json(module.serialize(obj))
        assert _equivalent(module.get(spec), obj), spec
        if isinstance(spec, dict) and family != "activation":
            keras_3 = {"module": "keras.somewhere", "registered_name": None, **spec}
            assert _equivalent(module.get(keras_3), obj)


def test_an_entry_that_needs_arguments_needs_an_example():
    class WarmupSchedule(schedules.LearningRateSchedule):
        def __init__(self, peak, warmup_steps=10):
            self.peak, self.warmup_steps = peak, warmup_steps

    schedules.REGISTRY.register("warmup_schedule", WarmupSchedule)
    try:
        with pytest.raises(pytest.fail.Exception, match="'warmup_schedule' cannot be built"):
            _example("learning-rate schedule", "warmup_schedule")
    finally:
        schedules.REGISTRY.unregister("warmup_schedule")


def test_names_are_looked_up_in_the_registry_only():
    for family, (module, _) in FAMILIES.items():
        for name in ("os.system", "builtins.eval", "__import__"):
            with pytest.raises(ValueError, match=f"unknown {re.escape(family)} {name!r}"):
                module.get({"class_name": name, "config": {}})


# ---------------------------------------------------------------------- the Registry itself


class _A:
    pass


class _B:
    pass


def test_register_lookup_and_reverse_lookup():
    registry = Registry("thing")
    mse = "mean_squared_error"
    assert registry.register(mse, _A, aliases=["mse"]) is _A
    for spelling in (mse, "MeanSquaredError", "MSE", "mean-squared error", "mse"):
        assert registry.lookup(spelling) is _A and registry.canonical(spelling) == mse
    assert registry.name_of(_A) == mse and registry.name_of(_B) is None
    # As a Mapping, a registry holds its canonical names only.
    assert list(registry) == [mse] and dict(registry.aliases) == {"mse": mse}
    assert "mse" not in registry and registry[mse] is _A
    registry.register(mse, _A, aliases=["l2_error"])  # the same entry again: adds an alias
    assert registry.lookup("L2Error") is _A
    assert repr(registry) == "<Registry 'thing': 1 names, 2 aliases>"


def test_spellings_of_different_objects_clash_at_registration():
    registry = Registry("thing")
    registry.register("mean_squared_error", _A, aliases=["mse"])
    clash = "in the thing registry: it is a spelling of 'mean_squared_error'"
    for name, aliases in [("meansquarederror", ()), ("m_s_e", ()), ("b", ["mean_squared_error"])]:
        with pytest.raises(ValueError, match=clash):
            registry.register(name, _B, aliases)
    assert registry.name_of(_B) is None and len(registry) == 1
    with pytest.raises(ValueError, match="already the thing 'mean_squared_error'; register 'l2'"):
        registry.register("l2", _A)
    for bad in ("MeanSquaredError", "mean squared", "_private", "a__b", "", 3):
        with pytest.raises(ValueError, match="must be snake_case"):
            registry.register(bad, _B)
        with pytest.raises(ValueError, match="alias must be snake_case"):
            registry.register("b", _B, aliases=[bad])


def test_unknown_name_message_and_type_errors():
    registry = Registry("activation")
    registry.register("relu", _A, aliases=["rectifier"])
    registry.register("elu", _B)
    with pytest.raises(ValueError) as error:
        registry.lookup("RELLU")
    assert str(error.value) == (
        "unknown activation 'RELLU'. Did you mean 'relu'? Valid names: elu, relu "
        "(aliases: rectifier = relu)"
    )
    with pytest.raises(ValueError, match=r"^unknown activation 'qqq'\. Valid names: elu, relu \("):
        registry.lookup("qqq")
    with pytest.raises(TypeError, match="an activation name must be a str; got int 3"):
        registry.lookup(3)
    empty = Registry("widget")
    with pytest.raises(ValueError, match="^unknown widget 'x'. Valid names: none yet$"):
        empty.lookup("x")


def test_from_config_reads_keras_style_dicts():
    registry = Registry("loss")
    registry.register("huber", _A)
    spec = {"class_name": "Huber", "config": {"delta": 2.0}}
    assert registry.from_config(spec) == (_A, {"delta": 2.0})
    assert registry.from_config({"class_name": "huber"}) == (_A, {})
    assert registry.from_config({"class_name": "huber", "config": None}) == (_A, {})
    keras_3 = {"module": "keras.losses", "registered_name": None, "class_name": "Huber"}
    assert registry.from_config({**keras_3, "config": {}}) == (_A, {})
    config = {"delta": 1.0}
    assert registry.from_config({"class_name": "huber", "config": config})[1] is not config
    expected = "a loss config must be a dict with 'class_name' and 'config'"
    for spec, got in [
        ("huber", "got str 'huber'"), ({"config": {}}, "got dict {'config': {}}"),
        ({"class_name": 3}, "got dict"), ([("class_name", "huber")], "got list"),
    ]:
        with pytest.raises(ValueError, match=f"^{re.escape(expected)}.*; {re.escape(got)}"):
            registry.from_config(spec)
    with pytest.raises(ValueError, match="got also 'name', 'x'.*'module' and 'registered_name'"):
        registry.from_config({"class_name": "huber", "x": 1, "name": "h"})
    message = "the 'config' of 'huber' must be a dict of settings or None; got list"
    with pytest.raises(ValueError, match=message):
        registry.from_config({"class_name": "huber", "config": [1.0]})
    with pytest.raises(ValueError, match="^unknown loss 'os.system'"):
        registry.from_config({"class_name": "os.system", "config": {}})


def test_instance_names_missing_arguments():
    class Needy:
        def __init__(self, units, rate, *args, name=None, **kwargs):
            self.units, self.rate, self.name = units, rate, name

    registry = Registry("layer")
    registry.register("needy", Needy)
    with pytest.raises(ValueError, match=r"^Needy needs arguments \(units, rate\), so a name"):
        registry.instance("Needy")
    made = registry.instance("NEEDY", units=2, rate=0.5, name="n")
    assert (made.units, made.rate, made.name) == (2, 0.5, "n")
    registry.register("helper", len)
    with pytest.raises(TypeError, match="the layer 'helper' is not a class"):
        registry.instance("helper")


def test_class_name_view_and_unregister():
    registry = Registry("loss")
    registry.register("huber", _A, aliases=["huber_loss"])
    view = registry.by_class_name()
    assert dict(view) == {"_A": _A}
    registry.register("other", _B)
    assert list(view) == ["_A", "_B"] and view["_B"] is _B  # live
    assert view.pop("_A") is _A and view.pop("_A", None) is None
    assert list(registry) == ["other"] and dict(registry.aliases) == {}
    with pytest.raises(ValueError, match="unknown loss 'huber_loss'"):
        registry.lookup("huber_loss")
    with pytest.raises(KeyError):
        view.pop("_A")
    assert registry.unregister("Other") is _B and len(registry) == 0


def test_register_class_replaces_only_a_redefinition():
    registry = Registry("layer")

    def define():
        class MyDense:
            pass

        return MyDense

    first, again = define(), define()  # the same class statement run twice
    assert registry.register_class(first) is first and registry.lookup("my_dense") is first
    registry.register_class(again)
    assert registry.lookup("MyDense") is again and len(registry) == 1

    class MyDense:  # another class of the same name, the user's: left out, the name kept
        pass

    assert registry.register_class(MyDense) is MyDense and registry.lookup("my_dense") is again
    MyDense.__module__ = "deepgrad.layers.mine"  # between deepgrad's own classes, a clash raises
    with pytest.raises(ValueError, match="'my_dense' for .*MyDense in the layer registry"):
        registry.register_class(MyDense)

    class _Private__Layer:
        pass

    assert registry.name_of(registry.register_class(_Private__Layer)) == "private_layer"


def test_normalize_and_snake_case():
    assert normalize("Leaky-ReLU") == normalize("leaky_relu") == normalize("leaky relu")
    assert normalize("LeakyReLU") == "leakyrelu"
    assert snake_case("BatchNormalization") == "batch_normalization"
    assert snake_case("RMSprop") == "rm_sprop"  # why the registry looks names up by normalize()


# ---------------------------------------------------------------------- families' own hooks


def test_a_users_class_with_a_built_in_name_leaves_the_built_in_in_place():
    class Dense(layers.Layer):  # written to learn how a dense layer works
        def call(self, x, training=False):
            return x

    class MSE(losses.Loss):
        def call(self, y_true, y_pred):
            return (y_pred - y_true) ** 2

    assert Dense()(np.ones((1, 2))).shape == (1, 2)
    assert layers.REGISTRY["Dense"] is layers.Dense
    assert losses.get("MSE").name == "mean_squared_error" and type(losses.get("MSE")) is not MSE


def test_user_layers_are_found_by_name_and_config():
    class Doubling(layers.Layer):
        def call(self, x, training=False):
            return x * 2.0

    try:
        assert type(layers.get("doubling")) is Doubling
        assert type(layers.get(layers.serialize(Doubling(name="d")))) is Doubling
        assert layers.REGISTRY["Doubling"] is Doubling
    finally:
        layers.REGISTRY.pop("Doubling")
    with pytest.raises(ValueError, match="unknown layer 'doubling'"):
        layers.get("doubling")


def test_layers_get():
    dense = layers.Dense(2)
    assert layers.get(dense) is dense
    assert type(layers.get("BatchNormalization")) is layers.BatchNormalization
    assert layers.get({"class_name": "Dropout", "config": {"rate": 0.5}}).rate == 0.5
    with pytest.raises(ValueError, match=r"Dropout needs arguments \(rate\)"):
        layers.get("dropout")
    with pytest.raises(TypeError, match="a layer must be a Layer, a config dict or a name; got"):
        layers.get(3)


def test_deepgrad_top_level_names_still_resolve():
    dense = layers.Dense(1, activation="Sigmoid", kernel_initializer="HeUniform")
    model = deepgrad.Sequential([dense])
    model.compile(optimizer="ADAM", loss="BinaryCrossentropy", metrics=["Accuracy"])
    assert type(model.optimizer) is optimizers.Adam
    assert type(model.loss) is losses.BinaryCrossentropy
