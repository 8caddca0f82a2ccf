"""Hyperparameter search with KerasTuner's surface, on Optuna (``pip install "deepgrad[tune]"``).

::

    import deepgrad.tuner as kt            # where a Keras script has: import keras_tuner as kt

    def build_model(hp):
        model = Sequential([Dense(hp.Int("units", 32, 256, step=32), activation="relu"),
                            Dense(10, activation="softmax")])
        model.compile(optimizer=hp.Choice("optimizer", ["adam", "sgd"]),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=5)
    tuner.search(x_train, y_train, epochs=5, validation_data=(x_val, y_val))
    best_model = tuner.get_best_models(1)[0]

- :class:`HyperParameters` — ``Int``, ``Float``, ``Choice``, ``Boolean``, ``Fixed``,
  ``conditional_scope``; :class:`HyperModel` — ``build(hp)`` and ``fit(hp, model, ...)``;
- tuners :class:`RandomSearch`, :class:`GridSearch`, :class:`BayesianOptimization`,
  :class:`Hyperband` — Optuna's samplers and pruner; nothing is sampled by hand;
- the search lives in ``directory/project_name`` (an Optuna journal file, or a database given
  as ``storage=``): killed and started again, it continues; ``search(..., n_jobs=k)`` runs k
  processes, and processes on several machines share one search through a database URL.

Optuna is imported when a tuner is made, not with deepgrad.
"""

from .hypermodel import HyperModel
from .hyperparameters import HyperParameters
from .objective import Objective
from .tuner import Tuner
from .tuners import BayesianOptimization, GridSearch, Hyperband, RandomSearch

__all__ = ["BayesianOptimization", "GridSearch", "HyperModel", "HyperParameters", "Hyperband",
           "Objective", "RandomSearch", "Tuner"]
