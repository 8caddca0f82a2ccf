"""A training loop written by hand — forward, loss, backward, optimizer step — next to ``fit``.

``model(x)`` on a Tensor returns the autograd graph, so every step of training is visible. Run
on the same mini-batches (no shuffling) from the same starting weights, the hand-written loop
and ``model.fit`` end with bitwise-identical weights.

    python examples/hand_written_training_loop.py
"""

import numpy as np

import deepgrad as dg
from deepgrad.layers import Dense, Input
from deepgrad.optimizers import SGD


def make_model():
    return dg.Sequential([Input((2,)), Dense(8, activation="tanh", seed=0), Dense(1, activation="sigmoid", seed=1)])


rng = np.random.default_rng(0)
x = rng.standard_normal((128, 2)).astype(np.float32)
y = (x[:, 0] * x[:, 1] > 0).astype(np.float32)  # a quadrant (XOR-like) problem
batch_size, epochs = 16, 5

# 1. Keras style.
fitted = make_model()
fitted.compile(optimizer=SGD(learning_rate=0.5), loss="binary_crossentropy")
fitted.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)

# 2. By hand, with the same pieces.
model = make_model()
optimizer = SGD(learning_rate=0.5)
loss_fn = dg.losses.BinaryCrossentropy()
params = model.parameters()
for epoch in range(epochs):
    total = 0.0
    for start in range(0, len(x), batch_size):
        xb, yb = x[start : start + batch_size], y[start : start + batch_size]
        optimizer.zero_grad(params)                      # forget the previous batch's gradients
        y_hat = model(dg.Tensor(xb), training=True)      # forward propagation: builds the graph
        loss = loss_fn(yb, y_hat)                        # the cost: mean loss over the batch
        loss.backward()                                  # backpropagation: chain rule, every path
        optimizer.step(params)                           # w_new = w_old - lr * dL/dw_old
        total += loss.item() * len(xb)
    print(f"epoch {epoch + 1}: mean training loss {total / len(x):.4f}")

same = all(np.array_equal(a, b) for a, b in zip(fitted.get_weights(), model.get_weights()))
print(f"hand-written loop and fit give identical weights: {same}")
