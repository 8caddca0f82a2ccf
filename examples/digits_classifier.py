"""Handwritten digits (scikit-learn's 8x8 set) with a small ReLU network: >= 0.97 test accuracy.

The documented configuration: pixels scaled to [0, 1], a stratified 75/25 split with seed 0,
64 -> 128 (ReLU) -> dropout 0.2 -> 64 (ReLU) -> 10 (softmax), He-uniform initialisation, Adam with learning
rate 0.002, batch size 32, 40 epochs, sparse categorical cross-entropy. Across split seeds 0, 1
and 2 this reaches 0.982, 0.987 and 0.984.

    pip install "deepgrad[sklearn]"
    python examples/digits_classifier.py
"""

import deepgrad as dg
from deepgrad import datasets
from deepgrad.layers import Dense, Dropout, Input

dg.set_seed(0)
x, y = datasets.load_digits(return_X_y=True)  # x already scaled to [0, 1]
x_train, x_test, y_train, y_test = datasets.train_test_split(x, y, test_size=0.25, seed=0, stratify=y)

model = dg.Sequential([
    Input((64,)),
    Dense(128, activation="relu", kernel_initializer="he_uniform"),
    Dropout(0.2),
    Dense(64, activation="relu", kernel_initializer="he_uniform"),
    Dense(10, activation="softmax"),
])
model.compile(optimizer=dg.optimizers.Adam(learning_rate=0.002), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
model.summary()
model.fit(x_train, y_train, batch_size=32, epochs=40, verbose=0, seed=0)
loss, accuracy = model.evaluate(x_test, y_test)
print(f"test loss {loss:.4f}")
print(f"test accuracy {accuracy:.4f}")
print("meets the 0.97 bar:", accuracy >= 0.97)
