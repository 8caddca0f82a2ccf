"""Recurrent networks as the keras.io and TensorFlow tutorials write them.

Four models on token and signal data made here with NumPy:
- keras.io's "Bidirectional LSTM on IMDB": integer token ids padded with
  ``keras.utils.pad_sequences``, ``Input(shape=(None,), dtype="int32")``, ``Embedding``,
  two stacked ``Bidirectional(LSTM(64))``, a sigmoid output, binary cross-entropy. The label is
  whether a "positive" token appears; and the same reviews as a bag of embeddings
  (``Embedding(mask_zero=True)``, ``GlobalAveragePooling1D`` over the unmasked steps);
- a tagger: ``Embedding(mask_zero=True)``, ``GRU(return_sequences=True)`` and
  ``TimeDistributed(Dense(softmax))`` trained on one label per time step with
  ``sparse_categorical_crossentropy``; the padding is masked;
- a forecaster of a noisy sine from windows of past values: ``LSTM(32)`` with
  ``recurrent_dropout``, ``Dense(1)``, mean squared error, early stopping.
"""

import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(7)
rng = np.random.default_rng(7)

# ---------------------------------------------------------------- sentiment of token sequences
max_features, maxlen = 200, 40
lengths = rng.integers(8, maxlen + 10, 600)
reviews = [list(rng.integers(3, max_features, n)) for n in lengths]
labels = rng.integers(0, 2, 600)
for review, label in zip(reviews, labels):
    if label:  # a positive review holds token 2 somewhere
        review[rng.integers(0, len(review))] = 2
x_tokens = keras.utils.pad_sequences(reviews, maxlen=maxlen)
x_train, x_val, y_train, y_val = x_tokens[:480], x_tokens[480:], labels[:480], labels[480:]

inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(max_features, 32)(inputs)
x = layers.Bidirectional(layers.LSTM(16, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(16))(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
sentiment = keras.Model(inputs, outputs)
sentiment.summary()
sentiment.compile("adam", "binary_crossentropy", metrics=["accuracy"])
sentiment_history = sentiment.fit(x_train, y_train, batch_size=32, epochs=6,
                                  validation_data=(x_val, y_val), verbose=0)

# the same reviews as a bag of embeddings: the padding masked out of the average
bag = keras.Sequential([
    keras.Input(shape=(maxlen,)),
    layers.Embedding(max_features, 16, mask_zero=True),
    layers.GlobalAveragePooling1D(),
    layers.Dense(1, activation="sigmoid"),
])
bag.compile("adam", "binary_crossentropy", metrics=["accuracy"])
bag_history = bag.fit(x_train, y_train, batch_size=32, epochs=3, verbose=0)

# ---------------------------------------------------------------- a label per time step
steps, vocabulary = 12, 30
sentences = np.zeros((400, steps), dtype="int64")
for row, n in zip(sentences, rng.integers(4, steps + 1, 400)):
    row[:n] = rng.integers(1, vocabulary, n)
tags = (sentences % 3).astype("int64")  # the tag a token carries: its id modulo 3
tagger = keras.Sequential([
    keras.Input(shape=(steps,)),
    layers.Embedding(vocabulary, 16, mask_zero=True),
    layers.GRU(24, return_sequences=True),
    layers.TimeDistributed(layers.Dense(3, activation="softmax")),
])
tagger.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
               loss="sparse_categorical_crossentropy", metrics=["accuracy"])
tagger_history = tagger.fit(sentences, tags, batch_size=32, epochs=15, verbose=0)
tagged = tagger.predict(sentences[:64], verbose=0).argmax(-1)
real = sentences[:64] != 0
tag_accuracy = float((tagged == tags[:64])[real].mean())

# ---------------------------------------------------------------- forecasting a series
t = np.arange(1200, dtype="float32")
series = np.sin(2 * np.pi * t / 50) + 0.1 * rng.standard_normal(1200).astype("float32")
window = 30
starts = np.arange(len(series) - window)
windows = np.stack([series[s:s + window] for s in starts])[..., None]
targets = series[starts + window][:, None]
split = 900
forecaster = keras.Sequential([
    keras.Input(shape=(window, 1)),
    layers.LSTM(32, recurrent_dropout=0.1),
    layers.Dense(1),
])
forecaster.compile(optimizer="adam", loss="mse", metrics=["mae"])
stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
forecast_history = forecaster.fit(windows[:split], targets[:split], batch_size=32, epochs=12,
                                  validation_split=0.2, callbacks=[stop], verbose=0)
forecast_mse = float(forecaster.evaluate(windows[split:], targets[split:], verbose=0)[0])
naive_mse = float(np.mean((windows[split:, -1, 0] - targets[split:, 0]) ** 2))


# ---------------------------------------------------------------- results for the comparison
def describe(m):
    return {
        "params": int(m.count_params()),
        "trainable": int(sum(np.prod(w.shape) for w in m.trainable_weights)),
        "non_trainable": int(sum(np.prod(w.shape) for w in m.non_trainable_weights)),
        "weight_shapes": [list(w.shape) for w in m.get_weights()],
    }


def set_deterministic_weights(m):
    m.set_weights([np.random.default_rng(k).uniform(-0.3, 0.3, w.shape).astype("float32")
                   for k, w in enumerate(m.get_weights())])


training = {
    "sentiment_first_loss": float(sentiment_history.history["loss"][0]),
    "sentiment_last_loss": float(sentiment_history.history["loss"][-1]),
    "sentiment_val_accuracy": float(sentiment_history.history["val_accuracy"][-1]),
    "bag_first_loss": float(bag_history.history["loss"][0]),
    "bag_last_loss": float(bag_history.history["loss"][-1]),
    "tagger_first_loss": float(tagger_history.history["loss"][0]),
    "tagger_last_loss": float(tagger_history.history["loss"][-1]),
    "tag_accuracy": tag_accuracy,
    "forecast_mse": forecast_mse,
    "naive_mse": naive_mse,
}
models = {"sentiment": sentiment, "bag": bag, "tagger": tagger, "forecaster": forecaster}
descriptions = {name: describe(m) for name, m in models.items()}
for m in models.values():
    set_deterministic_weights(m)
short = keras.utils.pad_sequences([[5, 6, 7], [9, 2, 4, 8, 1]], maxlen=10, padding="post")
RESULTS = {
    "models": descriptions,
    "predictions": {
        "sentiment": sentiment.predict(x_val[:6], verbose=0).tolist(),
        "sentiment_short": sentiment.predict(short, verbose=0).tolist(),
        "bag": bag.predict(x_val[:6], verbose=0).tolist(),
        "tagger": tagger.predict(sentences[:4], verbose=0).tolist(),
        "forecaster": forecaster.predict(windows[:6], verbose=0).tolist(),
    },
    "values": {
        "padded": short.tolist(),
        "tagger_evaluate": tagger.evaluate(sentences[:16], tags[:16], verbose=0),
        "tagger_weighted_evaluate": tagger.evaluate(  # a weight per sample and step
            sentences[:16], tags[:16], verbose=0,
            sample_weight=np.linspace(0.5, 2.0, 16 * steps).reshape(16, steps)),
        "forecaster_evaluate": forecaster.evaluate(windows[:16], targets[:16], verbose=0),
    },
    "names": {"tagger_history": sorted(tagger_history.history),
              "forecast_history": sorted(forecast_history.history),
              "layers": [layer.name for layer in tagger.layers]},
    "training": training,
}
