"""Three-class classification of Iris-like flowers with one-hot labels.

In the style of the many "Iris with Keras" tutorials: integer species labels turned into
one-hot rows with ``keras.utils.to_categorical``, a softmax output, categorical cross-entropy,
a hand-made train/test split passed as ``validation_data``, and ``np.argmax`` over the
predicted probabilities. The flowers are made here from a fixed seed.
"""

import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(3)

# sepal length, sepal width, petal length, petal width for setosa, versicolor, virginica
rng = np.random.default_rng(3)
centres = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
spread = np.array([[0.35, 0.38, 0.17, 0.10], [0.52, 0.31, 0.47, 0.20], [0.64, 0.32, 0.55, 0.27]])
species = np.repeat(np.arange(3), 50)
features = (centres[species] + spread[species] * rng.standard_normal((150, 4))).astype("float32")
order = rng.permutation(150)
features, species = features[order], species[order]

labels = keras.utils.to_categorical(species, num_classes=3)
x_train, x_test = features[:120], features[120:]
y_train, y_test = labels[:120], labels[120:]

model = keras.Sequential([
    keras.Input(shape=(4,)),
    layers.Dense(10, activation="relu"),
    layers.Dense(10, activation="relu"),
    layers.Dense(3, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
              loss="categorical_crossentropy", metrics=["accuracy"])
model.summary()
history = model.fit(x_train, y_train, batch_size=8, epochs=30, verbose=0,
                    validation_data=(x_test, y_test))
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test loss {loss:.4f}, test accuracy {accuracy:.3f}")
predicted = np.argmax(model.predict(x_test, verbose=0), axis=1)
print("predicted:", predicted[:10], "true:", np.argmax(y_test, axis=1)[:10])


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
    "test_accuracy": float(accuracy),
    "agreement": float(np.mean(predicted == np.argmax(y_test, axis=1))),
}
description = describe(model)
model.set_weights([np.random.default_rng(k).uniform(-0.5, 0.5, w.shape).astype("float32")
                   for k, w in enumerate(model.get_weights())])
probe = features[:8]
predictions = {"model": model.predict(probe, verbose=0).tolist()}
evaluated = model.evaluate(probe, labels[:8], verbose=0)
# One step of SGD with momentum from these weights, with a fresh optimizer, on one batch.
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
              loss="categorical_crossentropy", metrics=["accuracy"])
step_logs = [model.train_on_batch(probe, labels[:8]) for _ in range(2)]
predictions["after_two_steps"] = model.predict(probe, verbose=0).tolist()
RESULTS = {
    "models": {"model": description},
    "predictions": predictions,
    "values": {
        "labels": labels[:6].tolist(),
        "evaluate": [float(v) for v in evaluated],
        "train_on_batch": step_logs,
    },
    "names": {"history": sorted(history.history), "labels_dtype": [str(labels.dtype)]},
    "training": training,
}
