"""Three-class classification of Iris-like flowers with integer labels.

The same problem as the one-hot tutorial, written the other common way: the species stay
integers, the loss is ``sparse_categorical_crossentropy``, and ``validation_split`` holds out
the last fifth. A second, functional model outputs logits and uses a loss and a metric object
(``losses.SparseCategoricalCrossentropy(from_logits=True)``,
``metrics.SparseCategoricalAccuracy()``) as in the keras.io guides.
"""

import keras
import numpy as np
from keras import layers, losses, metrics, optimizers

keras.utils.set_random_seed(5)

rng = np.random.default_rng(5)
centres = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
spread = np.array([[0.35, 0.38, 0.17, 0.10], [0.52, 0.31, 0.47, 0.20], [0.64, 0.32, 0.55, 0.27]])
y = np.repeat(np.arange(3), 50)
X = (centres[y] + spread[y] * rng.standard_normal((150, 4))).astype("float32")
shuffled = rng.permutation(150)
X, y = X[shuffled], y[shuffled]

model = keras.Sequential()
model.add(layers.Input(shape=(4,)))
model.add(layers.Dense(16, activation="relu"))
model.add(layers.Dense(3, activation="softmax"))
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(X, y, epochs=40, batch_size=16, validation_split=0.2, verbose=0)
print("validation accuracy:", history.history["val_accuracy"][-1])

inputs = keras.Input(shape=(4,), name="measurements")
hidden = layers.Dense(16, activation="relu", name="hidden")(inputs)
logits = layers.Dense(3, name="logits")(hidden)
logit_model = keras.Model(inputs=inputs, outputs=logits, name="logit_model")
logit_model.compile(optimizer=optimizers.RMSprop(learning_rate=0.01),
                    loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                    metrics=[metrics.SparseCategoricalAccuracy()])
logit_history = logit_model.fit(X, y, epochs=40, batch_size=16, verbose=0)
test_scores = logit_model.evaluate(X, y, verbose=0)
print("Test loss:", test_scores[0])
print("Test accuracy:", test_scores[1])


# ---------------------------------------------------------------- results for the comparison
def describe(m):
    return {
        "params": int(m.count_params()),
        "trainable": int(sum(np.prod(w.shape) for w in m.trainable_weights)),
        "non_trainable": int(sum(np.prod(w.shape) for w in m.non_trainable_weights)),
        "weight_shapes": [list(w.shape) for w in m.get_weights()],
    }


def set_deterministic_weights(m):
    m.set_weights([np.random.default_rng(k).uniform(-0.5, 0.5, w.shape).astype("float32")
                   for k, w in enumerate(m.get_weights())])


training = {
    "first_loss": float(history.history["loss"][0]),
    "last_loss": float(history.history["loss"][-1]),
    "val_accuracy": float(history.history["val_accuracy"][-1]),
    "logit_first_loss": float(logit_history.history["loss"][0]),
    "logit_last_loss": float(logit_history.history["loss"][-1]),
    "logit_accuracy": float(test_scores[1]),
}
descriptions = {"model": describe(model), "logit_model": describe(logit_model)}
for m in (model, logit_model):
    set_deterministic_weights(m)
probe = X[:8]
RESULTS = {
    "models": descriptions,
    "predictions": {"model": model.predict(probe, verbose=0).tolist(),
                    "logit_model": logit_model.predict(probe, verbose=0).tolist()},
    "values": {
        "model_evaluate": model.evaluate(probe, y[:8], verbose=0),
        "logit_model_evaluate": logit_model.evaluate(probe, y[:8], verbose=0),
    },
    "names": {"history": sorted(history.history), "logit_history": sorted(logit_history.history),
              "layers": [layer.name for layer in logit_model.layers]},
    "training": training,
}
