"""Regression of house prices with a Normalization layer, early stopping and a validation split.

In the style of the TensorFlow "basic regression" tutorial and the Boston-housing chapter of
"Deep Learning with Python": thirteen numeric columns on very different scales, a
``layers.Normalization`` layer adapted on the training features as the first layer, mean
squared error with mean absolute error as the metric, ``validation_split=0.2`` and
``callbacks=[keras.callbacks.EarlyStopping(...)]``. The houses are made here from a fixed seed.
"""

import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(11)

rng = np.random.default_rng(11)
n = 506
columns = [
    rng.gamma(0.5, 7.0, n),            # crime rate
    rng.choice([0.0, 12.5, 25.0, 80.0], n, p=[0.7, 0.1, 0.1, 0.1]),  # large-lot zoning
    rng.uniform(0.5, 27.0, n),         # non-retail acres
    (rng.uniform(size=n) < 0.07) * 1.0,  # by the river
    rng.uniform(0.38, 0.87, n),        # nitric oxides
    rng.normal(6.3, 0.7, n),           # rooms
    rng.uniform(3.0, 100.0, n),        # built before 1940
    rng.gamma(3.0, 1.3, n),            # distance to employment
    rng.integers(1, 25, n) * 1.0,      # highway access
    rng.uniform(187.0, 711.0, n),      # tax rate
    rng.uniform(12.6, 22.0, n),        # pupil-teacher ratio
    rng.uniform(0.3, 396.9, n),        # B
    rng.gamma(2.5, 5.0, n),            # lower-status population
]
features = np.column_stack(columns).astype("float32")
prices = (22.5 + 6.0 * (features[:, 5] - 6.3) - 0.45 * (features[:, 12] - 12.5)
          - 0.8 * (features[:, 10] - 18.0) - 0.12 * features[:, 0] + 3.0 * features[:, 3]
          + rng.normal(0.0, 2.5, n)).clip(5.0, 50.0).astype("float32")

train_features, test_features = features[:404], features[404:]
train_labels, test_labels = prices[:404], prices[404:]

normalizer = layers.Normalization(axis=-1)
normalizer.adapt(train_features)

model = keras.Sequential([
    normalizer,
    layers.Dense(64, activation="relu"),
    layers.Dense(64, activation="relu"),
    layers.Dense(1),
])
model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
early_stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5,
                                           restore_best_weights=True)
history = model.fit(train_features, train_labels, epochs=60, batch_size=16,
                    validation_split=0.2, callbacks=[early_stop], verbose=0)
print(f"stopped after {len(history.history['loss'])} epochs")
test_mse, test_mae = model.evaluate(test_features, test_labels, verbose=0)
print(f"Mean absolute error on the test houses: {test_mae:.2f} (thousands of dollars)")
test_predictions = model.predict(test_features, verbose=0).flatten()


# ---------------------------------------------------------------- results for the comparison
def describe(m):
    return {
        "params": int(m.count_params()),
        "trainable": int(sum(np.prod(w.shape) for w in m.trainable_weights)),
        "non_trainable": int(sum(np.prod(w.shape) for w in m.non_trainable_weights)),
        "weight_shapes": [list(w.shape) for w in m.get_weights()],
    }


training = {
    "first_loss": float(history.history["loss"][0]),
    "last_loss": float(history.history["loss"][-1]),
    "best_val_loss": float(min(history.history["val_loss"])),
    "epochs_run": len(history.history["loss"]),
    "test_mae": float(test_mae),
    "test_mse": float(test_mse),
    "label_std": float(test_labels.std()),
    "predictions_mae": float(np.mean(np.abs(test_predictions - test_labels))),
}
description = describe(model)
# The Normalization layer keeps the statistics it adapted; the dense layers get fixed weights.
for k, layer in enumerate(model.layers[1:]):
    layer.set_weights([np.random.default_rng(10 * k + j).uniform(-0.5, 0.5, w.shape)
                       .astype("float32") for j, w in enumerate(layer.get_weights())])
probe = test_features[:8]
mean, variance = normalizer.get_weights()[:2]
predictions = {"model": model.predict(probe, verbose=0).tolist(),
               "normalized": np.asarray(normalizer(probe)).tolist()}
evaluated = [float(v) / 100 for v in model.evaluate(probe, test_labels[:8], verbose=0)]
# One SGD step from these weights, with a fresh optimizer; the statistics stay as adapted.
model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-4), loss="mse", metrics=["mae"])
step_logs = [float(v) / 100 for v in model.train_on_batch(probe, test_labels[:8])]
predictions["after_one_step"] = model.predict(probe, verbose=0).tolist()
RESULTS = {
    "models": {"model": description, "normalizer": describe(normalizer)},
    "predictions": predictions,
    "values": {
        "adapted_mean": mean.tolist(),
        "adapted_variance_relative": (variance / train_features.var(axis=0)).tolist(),
        "evaluate": evaluated,
        "train_on_batch": step_logs,
    },
    "names": {"history": sorted(history.history)},
    "training": training,
}
