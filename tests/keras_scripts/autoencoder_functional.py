"""A dense autoencoder written with the functional API, its encoder and decoder as models.

In the style of the keras.io blog post "Building Autoencoders in Keras": ``keras.Input``, an
encoder ``keras.Model`` and a decoder ``keras.Model`` built separately, the autoencoder calling
one after the other, binary cross-entropy on pixels in [0, 1], ``fit(x, x)`` with
``shuffle=True`` and ``validation_data``, then ``encoder.predict`` and ``decoder.predict``.
The 8x8 "images" (strokes on a grid) are made here from a fixed seed.
"""

import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(2)

rng = np.random.default_rng(2)
strokes = np.zeros((6, 8, 8), dtype="float32")
strokes[0, 2, :] = strokes[1, :, 5] = 1.0
strokes[2][np.eye(8, dtype=bool)] = 1.0
strokes[3][np.eye(8, dtype=bool)[::-1]] = 1.0
strokes[4, 1:7, 1] = strokes[5, 6, 1:7] = 1.0
mix = rng.uniform(0.0, 1.0, (1200, 6)) * (rng.uniform(size=(1200, 6)) < 0.5)
images = np.clip(np.einsum("nk,kij->nij", mix, strokes) + rng.normal(0, 0.05, (1200, 8, 8)), 0, 1)
images = images.reshape((len(images), 64)).astype("float32")
x_train, x_test = images[:1000], images[1000:]

encoding_dim = 6
input_img = keras.Input(shape=(64,))
hidden = layers.Dense(32, activation="relu")(input_img)
encoded = layers.Dense(encoding_dim, activation="relu")(hidden)
encoder = keras.Model(input_img, encoded, name="encoder")

encoded_input = keras.Input(shape=(encoding_dim,))
hidden_back = layers.Dense(32, activation="relu")(encoded_input)
decoded = layers.Dense(64, activation="sigmoid")(hidden_back)
decoder = keras.Model(encoded_input, decoded, name="decoder")

autoencoder = keras.Model(input_img, decoder(encoder(input_img)), name="autoencoder")
autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
autoencoder.summary()
history = autoencoder.fit(x_train, x_train, epochs=15, batch_size=64, shuffle=True,
                          validation_data=(x_test, x_test), verbose=0)

encoded_imgs = encoder.predict(x_test, verbose=0)
decoded_imgs = decoder.predict(encoded_imgs, verbose=0)
reconstructed = autoencoder.predict(x_test, verbose=0)
print("codes:", encoded_imgs.shape, "reconstructions:", decoded_imgs.shape)


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
    "first_val_loss": float(history.history["val_loss"][0]),
    "last_val_loss": float(history.history["val_loss"][-1]),
    "composition_gap": float(np.max(np.abs(decoded_imgs - reconstructed))),
    "mean_image_error": float(np.mean(np.abs(x_test - x_train.mean(axis=0)))),
    "reconstruction_error": float(np.mean(np.abs(x_test - reconstructed))),
}
descriptions = {name: describe(m) for name, m in
                [("encoder", encoder), ("decoder", decoder), ("autoencoder", autoencoder)]}
autoencoder.set_weights([np.random.default_rng(k).uniform(-0.5, 0.5, w.shape).astype("float32")
                         for k, w in enumerate(autoencoder.get_weights())])
probe = x_test[:4]
codes = encoder.predict(probe, verbose=0)
RESULTS = {
    "models": descriptions,
    "predictions": {"encoder": codes.tolist(),
                    "decoder": decoder.predict(codes, verbose=0).tolist(),
                    "autoencoder": autoencoder.predict(probe, verbose=0).tolist()},
    "values": {"evaluate": autoencoder.evaluate(probe, probe, verbose=0)},
    "names": {"history": sorted(history.history),
              "autoencoder_layers": [layer.name for layer in autoencoder.layers]},
    "training": training,
}
