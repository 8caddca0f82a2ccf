"""Seed 003's KerasTuner example, with only the import line changed — then every knob the notes
list (hidden layers, units, learning rate, optimizer, activation, batch size, epochs).

Keras:     import keras_tuner as kt
deepgrad:  import deepgrad.tuner as kt

The search keeps its state in ./untitled_project (an Optuna journal and each trial's model); this
script works in a temporary folder so that it starts afresh every time.
"""

import os
import tempfile

import deepgrad.tuner as kt
from deepgrad.datasets import make_moons, train_test_split
from deepgrad.layers import Dense
from deepgrad.models import Sequential

os.chdir(tempfile.mkdtemp(prefix="deepgrad-tuning-"))
x, y = make_moons(1000, noise=0.25, seed=0)
xtrain, xtest, ytrain, ytest = train_test_split(x, y, test_size=0.3, seed=0)


# --- the notes' example, as written there (plus the output layer it leaves out)
def build_model(hp):
    model = Sequential()
    model.add(Dense(32, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(optimizer=hp.Choice("optimizer", ["adam", "sgd"]),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=5)
tuner.search(xtrain, ytrain, epochs=5, validation_data=(xtest, ytest))
print("best optimizer:", tuner.get_best_hyperparameters()[0].get("optimizer"))


# --- every knob the notes list: a HyperModel also tunes how the model is trained
class Knobs(kt.HyperModel):
    def build(self, hp):
        model = Sequential()
        activation = hp.Choice("activation", ["relu", "tanh"])
        for i in range(hp.Int("hidden_layers", 1, 3)):
            model.add(Dense(hp.Int(f"units_{i}", 8, 64, step=8), activation=activation))
        model.add(Dense(1, activation="sigmoid"))
        optimizer = hp.Choice("optimizer", ["adam", "sgd"])
        learning_rate = hp.Float("learning_rate", 1e-3, 1e-1, sampling="log")
        model.compile(optimizer={"class_name": optimizer, "config": {"learning_rate": learning_rate}},
                      loss="binary_crossentropy", metrics=["accuracy"])
        return model

    def fit(self, hp, model, *args, **kwargs):
        kwargs["epochs"] = hp.Int("epochs", 5, 20, step=5)
        return model.fit(*args, batch_size=hp.Choice("batch_size", [16, 32, 64]), **kwargs)


tuner = kt.BayesianOptimization(Knobs(), objective="val_accuracy", max_trials=12, seed=0,
                                project_name="knobs")
tuner.search(xtrain, ytrain, validation_split=0.2, verbose=0)
tuner.results_summary(3)
best = tuner.get_best_models(1)[0]
loss, accuracy = best.evaluate(xtest, ytest)
print(f"best model's test accuracy {accuracy:.3f}; at least 0.9: {accuracy >= 0.9}")
