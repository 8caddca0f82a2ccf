"""The notes' vanishing gradient, measured: ten hidden sigmoid layers beside the three remedies.

The sigmoid's derivative is at most 0.25, so the gradient reaching the first of ten sigmoid layers
is the last layer's times ten factors below 0.25: the first layers barely learn ("w_new ≈
w_old") and the loss stalls. ReLU with He initialization, BatchNormalization and residual
connections each keep the gradient flowing; deepgrad's gradient report says which network has
the problem, in numbers.

    python examples/vanishing_gradients.py
"""

import numpy as np

import deepgrad as dg
from deepgrad.diagnostics import gradient_report
from deepgrad.layers import BatchNormalization, Dense, Input, Residual

x, y = dg.datasets.make_moons(1000, noise=0.15, seed=0)
x = x.astype(np.float32)
DEPTH, WIDTH = 10, 32


def ten_layers(activation, initializer, batch_norm=False):
    layers = [Input((2,))]
    for i in range(DEPTH):
        layers.append(Dense(WIDTH, activation, kernel_initializer=initializer, seed=i))
        if batch_norm:
            layers.append(BatchNormalization())
    return layers + [Dense(1, "sigmoid", seed=99)]


def residual_blocks():
    # each block starts as the identity (its last layer at zero), so the skip carries the
    # gradient to the first layer unchanged
    blocks = [Residual([Dense(WIDTH, "relu", kernel_initializer="he_normal", seed=i),
                        Dense(WIDTH, kernel_initializer="zeros")])
              for i in range(DEPTH // 2)]
    return [Input((2,)), Dense(WIDTH, "relu", kernel_initializer="he_normal", seed=0), *blocks,
            Dense(1, "sigmoid", seed=99)]


networks = {
    "10 sigmoid layers, Glorot": ten_layers("sigmoid", "glorot_uniform"),
    "10 ReLU layers, He": ten_layers("relu", "he_normal"),
    "10 sigmoid layers + BatchNormalization": ten_layers("sigmoid", "glorot_uniform", batch_norm=True),
    "ReLU + 5 residual blocks (10 layers)": residual_blocks(),
}

print(f"{'network':40s} {'first/last gradient':>20s} {'accuracy after 10 epochs':>25s}  findings")
flagged = []
for name, layers in networks.items():
    dg.set_seed(0)
    model = dg.Sequential(layers)
    model.compile(dg.optimizers.SGD(learning_rate=0.1), "binary_crossentropy", metrics=["accuracy"])
    report = gradient_report(model, x, y)
    weighted = [row for row in report.layers if row.weights]
    ratio = weighted[0].gradient_rms / weighted[-1].gradient_rms
    history = model.fit(x, y, epochs=10, batch_size=32, verbose=0, seed=0)
    accuracy = history.history["accuracy"][-1]
    kinds = ", ".join(f.kind for f in report.findings) or "none"
    print(f"{name:40s} {ratio:>20.1e} {accuracy:>25.3f}  {kinds}")
    if report.findings:
        flagged.append(name)
print(f"the report flags: {'; '.join(flagged)}")

print()
print("The report on the sigmoid network:")
dg.set_seed(0)
model = dg.Sequential(ten_layers("sigmoid", "glorot_uniform"))
model.compile(dg.optimizers.SGD(learning_rate=0.1), "binary_crossentropy")
print(gradient_report(model, x, y))
