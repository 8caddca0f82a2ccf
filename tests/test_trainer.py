"""The training API's arguments: every bad one is refused before any work, with a message naming
the argument, what was expected and what came; the weights are left as they were."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import Input, Model, Sequential
from deepgrad.callbacks import TerminateOnNaN
from deepgrad.layers import Dense

X = np.random.default_rng(0).standard_normal((20, 3)).astype(np.float32)
Y = (X[:, 0] > 0).astype(np.float32)


def sequential():
    model = Sequential([Input((3,)), Dense(4, "relu", seed=0), Dense(1, "sigmoid", seed=1)])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


def functional():
    inputs = Input((3,))
    model = Model(inputs, Dense(1, "sigmoid", seed=1)(Dense(4, "relu", seed=0)(inputs)))
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


FIT = [
    (dict(x=[[1.0, 2.0, 3.0], [1.0, 2.0]], y=[0, 1]), ValueError,
     r"x must be a rectangular array, every sample of the same shape; x\[1\] has 2 values where x\[0\] has 3"),
    (dict(validation_split="0.2"), TypeError, "validation_split must be a finite number in \\[0, 1\\); got str '0.2'"),
    (dict(validation_split=1.0), ValueError, r"validation_split must be a finite number in \[0, 1\); got 1.0"),
    (dict(sample_weight=["a"] * 20), TypeError, r"sample_weight must be numeric, one weight per sample; got strings"),
    (dict(sample_weight=np.ones(19)), ValueError, r"sample_weight must have shape \(20,\)"),
    (dict(callbacks=TerminateOnNaN()), TypeError, r"callbacks must be a list of callbacks; got TerminateOnNaN"),
    (dict(initial_epoch=-1), ValueError, "initial_epoch must be an int >= 0; got -1"),
    (dict(initial_epoch=3, epochs=3), ValueError, r"initial_epoch must be less than epochs \(3\)"),
    (dict(epochs=0), ValueError, "epochs must be an int >= 1; got 0"),
    (dict(epochs=2.5), TypeError, "epochs must be an int >= 1; got float 2.5"),
    (dict(batch_size="32"), TypeError, "batch_size must be an int >= 1; got str '32'"),
    (dict(verbose=3), ValueError, "verbose must be 0, 1, 2 or 'auto'; got int 3"),
    (dict(shuffle="yes"), TypeError, "shuffle must be True or False; got str 'yes'"),
    (dict(class_weight=[1, 2]), TypeError, r"class_weight must be a dict \{class: weight\}; got list"),
    (dict(class_weight={0: "heavy"}), TypeError, r"class_weight\[0\] must be a number; got str 'heavy'"),
    (dict(validation_data=X), ValueError, r"validation_data must be a tuple \(x_val, y_val\)"),
    (dict(validation_data=(X[:5], Y[:4])), ValueError,
     r"validation_data\[0\] and validation_data\[1\] must have the same number of samples"),
    (dict(validation_freq=0), ValueError, "validation_freq must be an int >= 1; got 0"),
    (dict(y=np.full(20, 2.0)), ValueError, r"y must hold 0/1 labels .* y\[0\] is 2"),
    (dict(x=np.ones((20, 4))), ValueError, r"x must have shape \(n_samples, 3\) for this model; got shape \(20, 4\)"),
    (dict(x=np.full((20, 3), np.nan)), ValueError, r"x must be finite; x\[0, 0\] is nan"),
    (dict(y=None), ValueError, "fit needs both x and y"),
]


@pytest.mark.parametrize("make", [sequential, functional])
@pytest.mark.parametrize("changes, error, message", FIT, ids=[str(i) for i in range(len(FIT))])
def test_bad_fit_arguments_are_named_before_any_work(make, changes, error, message):
    model = make()
    before = [w.copy() for w in model.get_weights()]
    kwargs = dict(x=X, y=Y, epochs=1, verbose=0)
    kwargs.update(changes)
    with pytest.raises(error, match=message):
        model.fit(**kwargs)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert model.optimizer.iterations == 0


COMPILE = [
    (dict(optimizer=3), TypeError, r"optimizer must be a name \(such as 'adam'\), a config dict or an Optimizer; got int 3"),
    (dict(optimizer="adamm"), ValueError, "unknown optimizer 'adamm'. Did you mean 'adam'"),
    (dict(loss=None), ValueError, "compile needs a loss"),
    (dict(loss=3), TypeError, "a loss must be a name .* got int 3"),
    (dict(loss="msee"), ValueError, "unknown loss 'msee'. Did you mean 'mse'"),
    (dict(metrics=[3]), TypeError, "a metric must be a name .* got int 3"),
    (dict(metrics=["acc2"]), ValueError, "unknown metric 'acc2'"),
    (dict(loss_weights=["a"]), ValueError, "loss_weights must be finite numbers"),
    (dict(run_eagerly="no"), TypeError, "run_eagerly must be True or False"),
    (dict(steps_per_execution=0), ValueError, "steps_per_execution must be an int >= 1"),
    (dict(jit_compile="xla"), ValueError, "jit_compile must be 'auto', True or False"),
]


@pytest.mark.parametrize("changes, error, message", COMPILE, ids=[str(i) for i in range(len(COMPILE))])
def test_bad_compile_arguments_are_named(changes, error, message):
    model = sequential()
    kwargs = dict(optimizer="sgd", loss="mse")
    kwargs.update(changes)
    with pytest.raises(error, match=message):
        model.compile(**kwargs)


@pytest.mark.parametrize("call, error, message", [
    (lambda m: m.evaluate(X, Y, batch_size=0), ValueError, "batch_size must be an int >= 1; got 0"),
    (lambda m: m.evaluate(X, Y, return_dict="yes"), TypeError, "return_dict must be True or False"),
    (lambda m: m.evaluate(X, None), ValueError, "evaluate needs both x and y"),
    (lambda m: m.evaluate(X, Y, callbacks=TerminateOnNaN()), TypeError, "callbacks must be a list"),
    (lambda m: m.predict(X, batch_size=-1), ValueError, "batch_size must be an int >= 1; got -1"),
    (lambda m: m.predict(X, verbose="loud"), ValueError, "verbose must be 0, 1, 2 or 'auto'"),
    (lambda m: m.predict(X, steps=0), ValueError, "steps must be an int >= 1"),
    (lambda m: m.predict([[1.0, 2.0]]), ValueError, r"x must have shape \(n_samples, 3\)"),
    (lambda m: m.predict(["a", "b"]), TypeError, "x must be numeric; got strings"),
    (lambda m: m.train_on_batch(X, Y, return_dict=1), TypeError, "return_dict must be True or False"),
    (lambda m: m.train_on_batch(X, Y[:3]), ValueError, "x and y must have the same number of samples"),
    (lambda m: m.get_layer(), ValueError, "exactly one of name= and index="),
    (lambda m: m.get_layer(index=9), ValueError, "index 9 is out of range"),
])
def test_bad_arguments_of_the_other_methods_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call(sequential())


def test_an_uncompiled_model_says_to_compile_first():
    model = Sequential([Input((3,)), Dense(1)])
    for call in (lambda: model.fit(X, Y), lambda: model.evaluate(X, Y),
                 lambda: model.train_on_batch(X, Y), lambda: model.test_on_batch(X, Y)):
        with pytest.raises(RuntimeError, match="must be compiled before"):
            call()


@pytest.mark.parametrize("make, error, message", [
    (lambda: Sequential(Dense(3)), TypeError, r"Sequential takes a list of layers; got Dense .* Sequential\(\[\.\.\.\]\)"),
    (lambda: Sequential([3]), TypeError, "Sequential.add expects a Layer; got int 3"),
    (lambda: Dense(3, trainable="no"), TypeError, "trainable must be True or False; got str 'no'"),
    (lambda: Dense(3, use_bias="yes"), TypeError, "use_bias must be True or False"),
    (lambda: Dense(3, name=5), TypeError, "name must be a string; got int 5"),
    (lambda: Dense(3, name="a/b"), ValueError, "without '/'"),
    (lambda: Dense(3, dtype="int32"), TypeError, "dtype must be a floating-point dtype such as .float32.; got int32"),
    (lambda: Dense(3, input_dim=0), ValueError, "input_dim must be a positive int"),
    (lambda: Dense(3, input_shape="4"), ValueError, "input_shape must be a tuple of positive ints"),
    (lambda: Dense(3, input_dim=4, input_shape=(4,)), ValueError, "give one of input_shape, input_dim"),
    (lambda: Dense(3, kernel_size=3), TypeError, r"Dense got unexpected keyword argument\(s\) 'kernel_size'"),
    (lambda: Model(name=3), TypeError, "name must be a string"),
    (lambda: Dense(3, kernel_constraint="max_norm"), TypeError,
     "Dense does not take kernel_constraint: clip or project the weights in a callback"),
    (lambda: Dense(3, activity_regularizer="l2"), TypeError,
     "Dense does not take activity_regularizer: penalize the weights with kernel_regularizer="),
])
def test_bad_constructor_arguments_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_input_dim_declares_the_input_as_in_keras():
    model = Sequential([Dense(12, input_dim=8, activation="relu"), Dense(1, activation="sigmoid")])
    assert model.built and model.count_params() == 8 * 12 + 12 + 13
    assert Sequential([Dense(2, batch_input_shape=(None, 5))]).count_params() == 12


def test_keras_arguments_with_nothing_to_do_here_are_accepted():
    model = sequential()
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"], run_eagerly=True,
                  steps_per_execution=4, jit_compile=False, weighted_metrics=["mae"])
    history = model.fit(X, Y, batch_size=None, verbose=0, validation_steps=2,
                        validation_batch_size=5, validation_data=(X, Y), validation_freq=2, epochs=2)
    assert "val_loss" in history.history and len(history.history["val_loss"]) == 1
    assert model.metrics_names == ["loss", "accuracy", "mae"]
    assert model.predict(X, verbose=0, steps=1).shape == (20, 1)
