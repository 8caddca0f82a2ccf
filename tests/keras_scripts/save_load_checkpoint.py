"""Dropout, batch normalization, an L2 penalty, a best-model checkpoint, and a saved model.

In the style of the TensorFlow "overfit and underfit" and "save and load models" tutorials: a
Sequential classifier with ``Dropout``, ``BatchNormalization`` and
``kernel_regularizer=keras.regularizers.L2(...)``, ``model.summary()``,
``callbacks.ModelCheckpoint`` keeping the best ``.keras`` file by validation loss,
``model.save("...keras")`` and ``keras.models.load_model``, checking that the loaded model
predicts what the saved one does and that training resumes. The data (two noisy interleaved
half-moons in 10 dimensions) is made here from a fixed seed.
"""

import keras
import numpy as np
from keras import callbacks, layers, models

keras.utils.set_random_seed(8)

rng = np.random.default_rng(8)
n = 800
angle = rng.uniform(0, np.pi, n)
label = rng.integers(0, 2, n)
x0 = np.where(label == 0, np.cos(angle), 1 - np.cos(angle))
x1 = np.where(label == 0, np.sin(angle), 0.5 - np.sin(angle))
projection = rng.normal(0, 1, (2, 10))
X = (np.column_stack([x0, x1]) @ projection + rng.normal(0, 0.3, (n, 10))).astype("float32")
y = label.astype("float32")
x_train, y_train, x_val, y_val = X[:640], y[:640], X[640:], y[640:]

model = keras.Sequential([
    layers.Input(shape=(10,)),
    layers.Dense(32, activation="relu", kernel_regularizer=keras.regularizers.L2(0.001)),
    layers.BatchNormalization(),
    layers.Dropout(0.3),
    layers.Dense(16, activation="relu", kernel_regularizer=keras.regularizers.L2(0.001)),
    layers.Dropout(0.3),
    layers.Dense(1, activation="sigmoid"),
], name="moons_classifier")
model.summary()
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss="binary_crossentropy",
              metrics=["accuracy"])

checkpoint = callbacks.ModelCheckpoint("best_model.keras", monitor="val_loss", save_best_only=True)
history = model.fit(x_train, y_train, epochs=12, batch_size=32, verbose=0,
                    validation_data=(x_val, y_val), callbacks=[checkpoint])
val_loss, val_accuracy = model.evaluate(x_val, y_val, verbose=0)
print(f"validation accuracy {val_accuracy:.3f}")

model.save("moons_classifier.keras")
restored = keras.models.load_model("moons_classifier.keras")
restored.summary()
same_predictions = np.array_equal(model.predict(x_val, verbose=0),
                                  restored.predict(x_val, verbose=0))
restored_scores = restored.evaluate(x_val, y_val, verbose=0)
best = models.load_model("best_model.keras")
best_val_loss = best.evaluate(x_val, y_val, verbose=0)[0]
resumed = restored.fit(x_train, y_train, epochs=1, batch_size=32, verbose=0)


# ---------------------------------------------------------------- results for the comparison
def describe(m):
    return {
        "params": int(m.count_params()),
        "trainable": int(sum(np.prod(w.shape) for w in m.trainable_weights)),
        "non_trainable": int(sum(np.prod(w.shape) for w in m.non_trainable_weights)),
        "weight_shapes": [list(w.shape) for w in m.get_weights()],
    }


def set_deterministic_weights(m):
    values = []
    for k, w in enumerate(m.weights):
        value = np.random.default_rng(k).uniform(-0.5, 0.5, tuple(w.shape))
        if "variance" in w.name:
            value = np.abs(value) + 0.5  # a variance is positive
        values.append(value.astype("float32"))
    m.set_weights(values)


training = {
    "first_loss": float(history.history["loss"][0]),
    "last_loss": float(history.history["loss"][-1]),
    "val_accuracy": float(val_accuracy),
    "same_predictions": bool(same_predictions),
    "same_scores": bool(np.allclose(restored_scores, [val_loss, val_accuracy], rtol=1e-6)),
    "best_val_loss": float(best_val_loss),
    "lowest_val_loss": float(min(history.history["val_loss"])),
    "resumed_loss": float(resumed.history["loss"][0]),
    "restored_name": restored.name,
}
descriptions = {"model": describe(model), "restored": describe(restored)}
set_deterministic_weights(model)
probe = x_val[:6]
predictions = {"model": model.predict(probe, verbose=0).tolist()}

# Two SGD steps of a batch-normalized network (no dropout) from fixed weights: batch
# statistics, moving averages and the L2 penalty's gradient all enter.
bn_model = keras.Sequential([
    layers.Input(shape=(10,)),
    layers.Dense(8, kernel_regularizer=keras.regularizers.L2(0.01)),
    layers.BatchNormalization(),
    layers.Dense(1, activation="sigmoid"),
], name="batchnorm_steps")
set_deterministic_weights(bn_model)
bn_model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy")
bn_logs = [bn_model.train_on_batch(x_val[:16], y_val[:16]) for _ in range(2)]
predictions["batchnorm_steps"] = bn_model.predict(probe, verbose=0).tolist()
descriptions["batchnorm_steps"] = describe(bn_model)
RESULTS = {
    "models": descriptions,
    "predictions": predictions,
    "values": {"evaluate": model.evaluate(probe, y_val[:6], verbose=0),
               "batchnorm_train_on_batch": bn_logs,
               "batchnorm_weights": [w.tolist() for w in bn_model.layers[1].get_weights()]},
    "names": {"layers": [layer.__class__.__name__ for layer in model.layers],
              "history": sorted(history.history)},
    "training": training,
}
