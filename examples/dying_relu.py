"""The notes' dying ReLU, measured: units that never fire stop learning for good.

A ReLU unit whose input is negative for every sample outputs 0 and passes no gradient back, so
nothing can revive it. Two ways the notes give to kill them — a large negative bias, and a
learning rate so large that one step throws the weights far off — and the remedy: LeakyReLU,
whose negative side keeps a small slope, so a unit that stops firing still learns. deepgrad's
gradient report counts the dead units.

    python examples/dying_relu.py
"""

import numpy as np

import deepgrad as dg
from deepgrad.diagnostics import gradient_report
from deepgrad.layers import Dense, Input, LeakyReLU

x, y = dg.datasets.make_moons(1000, noise=0.15, seed=0)
x = x.astype(np.float32)


def network(activation, bias=0.0):
    hidden = [Dense(64, None if activation == "leaky_relu" else activation, seed=i,
                    kernel_initializer="he_normal",
                    bias_initializer=dg.initializers.Constant(bias))
              for i in range(2)]
    if activation == "leaky_relu":
        hidden = [hidden[0], LeakyReLU(0.1), hidden[1], LeakyReLU(0.1)]
    return dg.Sequential([Input((2,)), *hidden, Dense(1, "sigmoid", seed=9)])


def dead(model) -> str:
    report = gradient_report(model, x, y)
    shares = [f"{row.name} {100 * row.dead_share:.0f}%" for row in report.layers
              if row.dead_share is not None and not row.is_output]
    return (", ".join(shares) or "-"), report


cases = [
    ("ReLU, bias 0, learning rate 1", "relu", 0.0, 1.0),
    ("ReLU, bias -3 (a large negative bias)", "relu", -3.0, 1.0),
    ("LeakyReLU(0.1), bias -3", "leaky_relu", -3.0, 1.0),
    ("ReLU, bias 0, learning rate 10 (too large)", "relu", 0.0, 10.0),
]
print(f"{'network':44s} {'dead units before':>26s}   {'after 5 epochs':>26s}  accuracy")
for name, activation, bias, rate in cases:
    dg.set_seed(0)
    model = network(activation, bias)
    model.compile(dg.optimizers.SGD(learning_rate=rate), "binary_crossentropy", metrics=["accuracy"])
    before, _ = dead(model)
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0, seed=0)
    after, report = dead(model)
    print(f"{name:44s} {before:>26s}   {after:>26s}  {history.history['accuracy'][-1]:.3f}")
    for finding in report.findings:
        if finding.kind == "dying_relu":
            print(f"    {finding.message}")
    if activation == "leaky_relu":
        print(f"    LeakyReLU learns where ReLU died: {history.history['accuracy'][-1] > 0.8}")
