"""Classifying small grey-scale images: Rescaling, Flatten, logits and a probability model.

In the style of the TensorFlow "basic classification" (Fashion-MNIST) tutorial: uint8 images
rescaled in the model by ``layers.Rescaling(1.0 / 255)``, ``layers.Flatten``, a ``Dense`` layer
of logits trained with ``SparseCategoricalCrossentropy(from_logits=True)``, then a
``probability_model`` that appends ``layers.Softmax()``. A second, functional model shows the
reshaping layers tutorials use (``Reshape``, ``Permute``, ``Lambda``, ``Activation``,
``LeakyReLU``). The 8x8 images of ten classes are made here from a fixed seed.
"""

import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(9)

rng = np.random.default_rng(9)
class_names = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
templates = rng.uniform(0, 1, (10, 8, 8)) ** 3
train_labels = rng.integers(0, 10, 1000)
test_labels = rng.integers(0, 10, 200)


def draw(labels):
    noisy = templates[labels] + rng.normal(0, 0.15, (len(labels), 8, 8))
    return (np.clip(noisy, 0, 1) * 255).astype("uint8")


train_images, test_images = draw(train_labels), draw(test_labels)

model = keras.Sequential([
    keras.Input(shape=(8, 8)),
    layers.Rescaling(1.0 / 255),
    layers.Flatten(),
    layers.Dense(32, activation="relu"),
    layers.Dense(10),
])
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
history = model.fit(train_images, train_labels, epochs=8, verbose=0)
test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
print("\nTest accuracy:", test_acc)

probability_model = keras.Sequential([model, layers.Softmax()])
predictions = probability_model.predict(test_images, verbose=0)
print("first image:", class_names[int(np.argmax(predictions[0]))],
      "true:", class_names[test_labels[0]])

inputs = keras.Input(shape=(64,), name="pixels")
x = layers.Reshape((8, 8))(inputs)
x = layers.Lambda(lambda t: t * 2.0 - 1.0, name="centre")(x)
x = layers.Permute((2, 1))(x)
x = layers.Flatten()(x)
x = layers.Dense(24)(x)
x = layers.LeakyReLU(negative_slope=0.1)(x)
x = layers.Dense(10)(x)
outputs = layers.Activation("softmax")(x)
reshaper = keras.Model(inputs, outputs, name="reshaper")
reshaper.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
                 loss="sparse_categorical_crossentropy", metrics=["accuracy"])
flat_train = train_images.reshape(-1, 64).astype("float32") / 255
reshaper_history = reshaper.fit(flat_train, train_labels, epochs=8, batch_size=32, verbose=0)


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
    "test_accuracy": float(test_acc),
    "probabilities_sum": float(np.abs(predictions.sum(axis=1) - 1).max()),
    "argmax_agreement": float(np.mean(np.argmax(predictions, axis=1)
                                      == np.argmax(model.predict(test_images, verbose=0), axis=1))),
    "reshaper_first_loss": float(reshaper_history.history["loss"][0]),
    "reshaper_last_loss": float(reshaper_history.history["loss"][-1]),
    "reshaper_accuracy": float(reshaper_history.history["accuracy"][-1]),
}
descriptions = {"model": describe(model), "probability_model": describe(probability_model),
                "reshaper": describe(reshaper)}
set_deterministic_weights(model)
set_deterministic_weights(reshaper)
probe = test_images[:5]
predictions = {"model": model.predict(probe, verbose=0).tolist(),
               "probability_model": probability_model.predict(probe, verbose=0).tolist(),
               "reshaper": reshaper.predict(flat_train[:5], verbose=0).tolist()}
evaluated = {"model": model.evaluate(probe, test_labels[:5], verbose=0),
             "reshaper": reshaper.evaluate(flat_train[:5], train_labels[:5], verbose=0)}
# Two steps of SGD from these weights, with fresh optimizers, on one batch.
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
reshaper.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                 loss="sparse_categorical_crossentropy", metrics=["accuracy"])
evaluated["steps"] = [[model.train_on_batch(probe, test_labels[:5]),
                       reshaper.train_on_batch(flat_train[:5], train_labels[:5])] for _ in range(2)]
predictions["model_after_two_steps"] = model.predict(probe, verbose=0).tolist()
predictions["reshaper_after_two_steps"] = reshaper.predict(flat_train[:5], verbose=0).tolist()
RESULTS = {
    "models": descriptions,
    "predictions": predictions,
    "values": evaluated,
    "names": {"history": sorted(history.history),
              "output_shapes": [list(reshaper.output_shape), list(model.output_shape)]},
    "training": training,
}
