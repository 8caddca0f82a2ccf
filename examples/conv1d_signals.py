"""Sensor windows, 1-D: a Conv1D network beats a dense network of about as many weights.

Each window is 128 readings of one of four waveforms — sine, square, sawtooth, or bursts of
noise over a quiet line — at a random frequency (2 to 8 cycles per window), phase and
amplitude, plus sensor noise; all drawn from one seeded generator. What tells the classes apart
is a local shape (a smooth crest, a jump, a ramp and a drop, a burst) that may sit anywhere in
the window. A convolution looks for the same shape at every position with one small kernel;
a dense layer must learn it again for each position, and with a similar budget of weights it
cannot. Max pooling and a global average pooling then make the answer independent of where
the shapes are.

    python examples/conv1d_signals.py
"""

import numpy as np

import deepgrad as dg
from deepgrad.layers import (
    Conv1D,
    Dense,
    Flatten,
    GlobalAveragePooling1D,
    Input,
    MaxPooling1D,
)

LENGTH, SEED, EPOCHS = 128, 0, 15
CLASSES = ("sine", "square", "sawtooth", "noise bursts")


def make_signals(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` windows of shape (LENGTH, 1), float32, and their classes (indices into CLASSES)."""
    y = rng.integers(0, len(CLASSES), n)
    t = np.arange(LENGTH) / LENGTH
    cycles = rng.uniform(2, 8, (n, 1))
    phase = rng.uniform(0, 1, (n, 1))
    amplitude = rng.uniform(0.5, 1.5, (n, 1))
    u = (cycles * t + phase) % 1.0  # where each reading falls within its cycle, 0 to 1
    waves = np.stack([np.sin(2 * np.pi * u), np.where(u < 0.5, 1.0, -1.0), 2 * u - 1,
                      np.zeros_like(u)])
    x = amplitude * waves[y, np.arange(n)]
    for i in np.flatnonzero(y == 3):  # one to three bursts of 8-23 readings
        for _ in range(rng.integers(1, 4)):
            start, width = rng.integers(0, LENGTH - 16), rng.integers(8, 24)
            burst = x[i, start:start + width]
            burst += amplitude[i] * rng.standard_normal(len(burst))
    noise = rng.uniform(0.05, 0.3, (n, 1)) * rng.standard_normal((n, LENGTH))
    return (x + noise)[..., None].astype(np.float32), y


dg.set_seed(SEED)  # the initial weights, dropout and shuffling
rng = np.random.default_rng(SEED)  # the data
x_train, y_train = make_signals(2000, rng)
x_test, y_test = make_signals(1000, rng)

convolutional = dg.Sequential([
    Input((LENGTH, 1)),
    Conv1D(16, 7, padding="same", activation="relu"),
    MaxPooling1D(4),  # 128 -> 32
    Conv1D(32, 5, padding="same", activation="relu"),
    MaxPooling1D(4),  # 32 -> 8
    Conv1D(32, 3, padding="same", activation="relu"),
    GlobalAveragePooling1D(),
    Dense(len(CLASSES), activation="softmax"),
], name="conv1d")
dense = dg.Sequential([
    Input((LENGTH, 1)),
    Flatten(),
    Dense(40, activation="relu"),
    Dense(16, activation="relu"),
    Dense(len(CLASSES), activation="softmax"),
], name="dense")

print(f"{len(x_train)} training and {len(x_test)} test windows of {LENGTH} readings; classes: "
      f"{', '.join(CLASSES)}")
accuracies = {}
for model in (convolutional, dense):
    model.compile(dg.optimizers.Adam(learning_rate=0.003), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=EPOCHS, verbose=0, seed=SEED)
    _, accuracies[model.name] = model.evaluate(x_test, y_test)
    print(f"{model.name:7s} network: {model.count_params():5,} parameters, test accuracy "
          f"{accuracies[model.name]:.4f}")
print("the Conv1D network beats the dense one:", accuracies["conv1d"] > accuracies["dense"])
