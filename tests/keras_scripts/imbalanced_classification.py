"""Classifying rare events: metric objects, an initial output bias and class weights.

In the style of the TensorFlow "classification on imbalanced data" tutorial: a list of named
metric objects (``BinaryAccuracy``, ``Precision``, ``Recall``, ``AUC`` and the PR curve's
``AUC(curve="PR")``), the output layer's bias initialized to ``log(pos / neg)`` with
``keras.initializers.Constant``, training with and without ``class_weight``, and
``evaluate(..., return_dict=True)``. The transactions (about 5% positive) are made here from a
fixed seed.
"""

import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(21)
rng = np.random.default_rng(21)
n = 2000
features = rng.normal(0, 1, (n, 12)).astype("float32")
score = 1.6 * features[:, 0] - 1.2 * features[:, 1] + 0.8 * features[:, 2] * features[:, 3]
labels = (score + rng.normal(0, 0.8, n) > 3.1).astype("float32")
neg, pos = np.bincount(labels.astype(int))
print(f"Examples: {n}, positive: {pos} ({100 * pos / n:.2f}% of total)")
train_x, val_x = features[:1600], features[1600:]
train_y, val_y = labels[:1600], labels[1600:]

METRICS = [
    keras.metrics.BinaryAccuracy(name="accuracy"),
    keras.metrics.Precision(name="precision"),
    keras.metrics.Recall(name="recall"),
    keras.metrics.AUC(name="auc"),
    keras.metrics.AUC(name="prc", curve="PR"),
]


def make_model(metrics=METRICS, output_bias=None):
    if output_bias is not None:
        output_bias = keras.initializers.Constant(output_bias)
    model = keras.Sequential([
        keras.Input(shape=(train_x.shape[-1],)),
        layers.Dense(16, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(1, activation="sigmoid", bias_initializer=output_bias),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2),
                  loss=keras.losses.BinaryCrossentropy(), metrics=metrics)
    return model


initial_bias = np.log(pos / neg)
model = make_model(output_bias=initial_bias)
initial_output_bias = model.layers[-1].get_weights()[1]
first_prediction = model.predict(train_x[:10], verbose=0)
initial_loss = model.evaluate(train_x, train_y, batch_size=256, verbose=0)[0]
print(f"Loss with the initial bias: {initial_loss:.4f}")
baseline_history = model.fit(train_x, train_y, batch_size=64, epochs=10, verbose=0,
                             validation_data=(val_x, val_y))
baseline_results = model.evaluate(val_x, val_y, batch_size=256, verbose=0, return_dict=True)

weight_for_0 = (1 / neg) * (n / 2.0)
weight_for_1 = (1 / pos) * (n / 2.0)
class_weight = {0: weight_for_0, 1: weight_for_1}
weighted_model = make_model(output_bias=initial_bias)
weighted_history = weighted_model.fit(train_x, train_y, batch_size=64, epochs=10, verbose=0,
                                      validation_data=(val_x, val_y), class_weight=class_weight)
weighted_results = weighted_model.evaluate(val_x, val_y, batch_size=256, verbose=0,
                                           return_dict=True)
for name, value in weighted_results.items():
    print(name, ":", value)


# ---------------------------------------------------------------- results for the comparison
def describe(m):
    return {
        "params": int(m.count_params()),
        "trainable": int(sum(np.prod(w.shape) for w in m.trainable_weights)),
        "non_trainable": int(sum(np.prod(w.shape) for w in m.non_trainable_weights)),
        "weight_shapes": [list(w.shape) for w in m.get_weights()],
    }


training = {
    "first_loss": float(baseline_history.history["loss"][0]),
    "last_loss": float(baseline_history.history["loss"][-1]),
    "initial_loss": float(initial_loss),
    "first_prediction_mean": float(first_prediction.mean()),
    "positive_rate": float(pos / n),
    "baseline": {k: float(v) for k, v in baseline_results.items()},
    "weighted": {k: float(v) for k, v in weighted_results.items()},
}
description = describe(model)
model.set_weights([np.random.default_rng(k).uniform(-0.5, 0.5, w.shape).astype("float32")
                   for k, w in enumerate(model.get_weights())])
RESULTS = {
    "models": {"model": description},
    "predictions": {"model": model.predict(val_x[:6], verbose=0).tolist()},
    "values": {"evaluate": model.evaluate(val_x, val_y, batch_size=256, verbose=0,
                                          return_dict=True),
               "class_weight": [weight_for_0, weight_for_1],
               "initial_output_bias": initial_output_bias.tolist()},
    "names": {"history": sorted(baseline_history.history),
              "weighted_history": sorted(weighted_history.history)},
    "training": training,
}
