"""Sequence to sequence: an LSTM encoder–decoder learns to reverse digit strings.

The encoder reads LENGTH one-hot digits and keeps only its final state, a vector of UNITS
numbers that must hold the whole string; ``RepeatVector`` hands that vector to the decoder at
each of the LENGTH output steps; the decoder LSTM (``return_sequences=True``) unrolls it into
a sequence, and ``TimeDistributed(Dense(softmax))`` reads a digit off each step. Everything
sits in one ``Sequential``. The test strings were never seen in training (there are
10^LENGTH of them; training sees a few percent).

    python examples/reverse_digits.py
"""

import numpy as np

import deepgrad as dg
from deepgrad.layers import LSTM, Dense, Input, RepeatVector, TimeDistributed

LENGTH, DIGITS, UNITS, SEED, EPOCHS, BAR = 5, 10, 48, 0, 12, 0.9

rng = np.random.default_rng(SEED)  # the data
dg.set_seed(SEED)  # the initial weights and shuffling
codes = rng.permutation(DIGITS ** LENGTH)[:6000]  # distinct strings, split below
strings = (codes[:, None] // DIGITS ** np.arange(LENGTH)[::-1]) % DIGITS
one_hot = np.eye(DIGITS, dtype=np.float32)
x, y = one_hot[strings], strings[:, ::-1]  # inputs (n, LENGTH, DIGITS); targets (n, LENGTH)
x_train, y_train, x_test, y_test = x[:5000], y[:5000], x[5000:], y[5000:]
print(f"{len(x_train)} training and {len(x_test)} unseen test strings of {LENGTH} digits")

model = dg.Sequential([
    Input((LENGTH, DIGITS)),
    LSTM(UNITS, seed=SEED),                       # encoder: the string -> one state vector
    RepeatVector(LENGTH),                         # that vector, once per output step
    LSTM(UNITS, return_sequences=True, seed=SEED + 1),  # decoder
    TimeDistributed(Dense(DIGITS, activation="softmax", seed=SEED)),
], name="reverser")
model.compile(dg.optimizers.Adam(learning_rate=0.01), "categorical_crossentropy")
model.fit(x_train, one_hot[y_train], batch_size=64, epochs=EPOCHS, verbose=0, seed=SEED)

predicted = model.predict(x_test, verbose=0).argmax(axis=-1)
per_digit = float(np.mean(predicted == y_test))
whole = float(np.mean(np.all(predicted == y_test, axis=1)))
print(f"{model.count_params():,} parameters")
print(f"per-digit accuracy {per_digit:.4f}, whole strings reversed exactly {whole:.4f}")
print()
for string, guess in zip(strings[5000:5006], predicted):
    mark = "" if np.array_equal(guess, string[::-1]) else "   (wrong)"
    print(f"  {''.join(map(str, string))} -> {''.join(map(str, guess))}{mark}")
print()
print(f"per-digit accuracy meets the {BAR} bar: {per_digit >= BAR}")
