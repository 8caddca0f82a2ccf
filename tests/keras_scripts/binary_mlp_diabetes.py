"""Binary classification of Pima-Indians-diabetes-like data with a small MLP.

In the style of the classic "first deep learning project with Keras" tutorial: eight numeric
columns, a 12-8-1 network declared with ``input_dim``, binary cross-entropy, accuracy,
``model.evaluate`` and ``model.metrics_names``. The table is made here from a fixed seed.
"""

import keras
import numpy as np
from keras.layers import Dense
from keras.models import Sequential

keras.utils.set_random_seed(1)

# pregnancies, glucose, blood pressure, skin thickness, insulin, BMI, pedigree, age
rng = np.random.default_rng(7)
n = 768
glucose = rng.normal(121.0, 32.0, n).clip(44, 199)
bmi = rng.normal(32.0, 7.0, n).clip(18, 67)
age = rng.gamma(4.0, 8.0, n).clip(21, 81)
X = np.column_stack([
    rng.poisson(3.8, n),
    glucose,
    rng.normal(69.0, 12.0, n).clip(24, 122),
    rng.normal(21.0, 10.0, n).clip(0, 99),
    rng.gamma(1.2, 66.0, n),
    bmi,
    rng.gamma(2.0, 0.24, n),
    age,
]).astype("float32")
risk = 0.04 * (glucose - 121) + 0.09 * (bmi - 32) + 0.03 * (age - 33) + rng.normal(0, 1.0, n)
y = (risk > 0.6).astype("float32")

model = Sequential()
model.add(Dense(12, input_dim=8, activation="relu"))
model.add(Dense(8, activation="relu"))
model.add(Dense(1, activation="sigmoid"))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

# The tutorial trains on the raw columns; scaling them to [0, 1] keeps a short run stable.
X_scaled = X / X.max(axis=0)
history = model.fit(X_scaled, y, epochs=15, batch_size=10, verbose=0)
scores = model.evaluate(X_scaled, y, verbose=0)
print("%s: %.2f%%" % (model.metrics_names[1], scores[1] * 100))

predictions = (model.predict(X_scaled, verbose=0) > 0.5).astype(int)
for i in range(5):
    print("%s => %d (expected %d)" % (X[i].tolist(), predictions[i][0], y[i]))


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
    "evaluate": [float(s) for s in scores],
    "metrics_names": list(model.metrics_names),
    "history_keys": sorted(history.history),
    "majority_rate": float(max(y.mean(), 1 - y.mean())),
    "predicted_classes": sorted(set(predictions.ravel().tolist())),
}
description = describe(model)
model.set_weights([np.random.default_rng(k).uniform(-0.5, 0.5, w.shape).astype("float32")
                   for k, w in enumerate(model.get_weights())])
probe = np.random.default_rng(100).uniform(0.0, 1.0, (6, 8)).astype("float32")
probe_y = np.array([0, 1, 1, 0, 1, 0], dtype="float32")
predictions = {"model": model.predict(probe, verbose=0).tolist()}
# One step of plain SGD from these weights, with a fresh optimizer, on one batch.
model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.5),
              metrics=["accuracy"])
step_logs = model.train_on_batch(probe, probe_y)
predictions["after_one_step"] = model.predict(probe, verbose=0).tolist()
RESULTS = {
    "models": {"model": description},
    "predictions": predictions,
    "values": {"train_on_batch": step_logs,
               "evaluate": model.evaluate(probe, probe_y, verbose=0)},
    "training": training,
}
