"""The notes' exploding gradient, measured: a deep network whose weights start too large, and
gradient clipping.

With weights drawn too large, every layer multiplies the signal (forward) and the gradient
(backward) by more than one: ten layers make the first steps' updates many times the weights
themselves, and training overflows to NaN. Clipping the gradient's norm (``clipnorm``) bounds
each step; Glorot or He initialization removes the cause. deepgrad's gradient report shows the
update-to-weight ratio of every layer.

    python examples/exploding_gradients.py
"""

import numpy as np

import deepgrad as dg
from deepgrad.diagnostics import gradient_report
from deepgrad.layers import Dense, Input

rng = np.random.default_rng(0)
x = rng.standard_normal((512, 8)).astype(np.float32)
y = (x @ rng.standard_normal(8) + 0.1 * rng.standard_normal(512)).astype(np.float32)


def deep(initializer):
    layers = [Dense(32, "relu", kernel_initializer=initializer, seed=i) for i in range(10)]
    return dg.Sequential([Input((8,)), *layers, Dense(1, seed=99)])


too_large = dg.initializers.RandomNormal(stddev=0.5)
cases = [
    ("weights ~ N(0, 0.5²), SGD", too_large, dg.optimizers.SGD(learning_rate=0.01)),
    ("weights ~ N(0, 0.5²), SGD(clipnorm=1.0)", too_large, dg.optimizers.SGD(learning_rate=0.01, clipnorm=1.0)),
    ("He initialization, SGD", "he_normal", dg.optimizers.SGD(learning_rate=0.01)),
]
print(f"{'network (10 ReLU layers, regression)':42s} {'largest ‖Δw‖/‖w‖':>18s} {'loss after 5 epochs':>20s}  findings")
for name, initializer, optimizer in cases:
    dg.set_seed(0)
    model = deep(initializer)
    model.compile(optimizer, "mse")
    report = gradient_report(model, x, y)
    largest = max(row.update_ratio for row in report.layers if row.update_ratio is not None)
    with np.errstate(all="ignore"):
        history = model.fit(x, y, epochs=5, batch_size=32, verbose=0, seed=0,
                            callbacks=[dg.callbacks.TerminateOnNaN()])
    stopped = model.stop_training
    loss = "overflowed" if stopped else f"{history.history['loss'][-1]:.4g}"
    kinds = ", ".join(f.kind for f in report.findings) or "none"
    print(f"{name:42s} {largest:>18.2e} {loss:>20s}  {kinds}")
    for finding in report.findings:
        print(f"    {finding.message}")
    print(f"    training stayed finite: {not stopped}")
