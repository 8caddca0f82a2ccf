"""Hochreiter & Schmidhuber's adding problem: why LSTM and GRU exist.

Each sequence is LENGTH steps of two numbers: a value drawn uniformly from [0, 1] and a marker,
1 at exactly two steps (one in each half) and 0 elsewhere. The target is the sum of the two
marked values. Predicting the mean of that sum, 1.0, whatever the input, scores a mean squared
error of 1/6 ≈ 0.167 (the variance of a sum of two U(0, 1) values): that is the baseline a
network must beat to have learned anything. The first marked value can sit 49 steps before the
end of the sequence, so the network must carry it that far.

A SimpleRNN's gradient through time is a product of one Jacobian per step — the recurrent
kernel times tanh's derivative — and over tens of steps it shrinks towards zero: the error at
the end barely reaches the early steps, so it never learns to keep the first marked value and
stays at the baseline. LSTM's cell state (and GRU's gated update) is an additive path through
time whose factor is the forget gate, close to 1 where it matters, so the gradient survives and
both solve the task. The gradient report measures the gradient of the loss with respect to
each input step and says when it vanishes through time.

    python examples/adding_problem.py
"""

import numpy as np

import deepgrad as dg
from deepgrad.diagnostics import gradient_report
from deepgrad.layers import GRU, LSTM, Dense, Input, SimpleRNN

LENGTH, UNITS, SEED, EPOCHS = 50, 32, 0, 10
SOLVED = 0.05  # the MSE that counts as solved


def adding_problem(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences of shape (LENGTH, 2) (value, marker), float32, and their sums (n, 1)."""
    values = rng.uniform(0, 1, (n, LENGTH))
    first = rng.integers(0, LENGTH // 2, n)  # one marker in each half
    second = rng.integers(LENGTH // 2, LENGTH, n)
    markers = np.zeros((n, LENGTH))
    rows = np.arange(n)
    markers[rows, first] = markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    y = (values[rows, first] + values[rows, second])[:, None].astype(np.float32)
    return x, y


def through_time(model, x, y):
    """The recurrent layer's row of the gradient report: the mean |dL/dx_t| at each step, and
    the first tenth of the steps' share over the last tenth's."""
    return gradient_report(model, x, y).layers[0]


dg.set_seed(SEED)  # the initial weights and shuffling
rng = np.random.default_rng(SEED)  # the data
x_train, y_train = adding_problem(3000, rng)
x_test, y_test = adding_problem(1000, rng)
baseline = float(np.mean((y_test - 1.0) ** 2))

print(f"adding problem: {len(x_train)} training and {len(x_test)} test sequences of {LENGTH} "
      f"steps")
print(f"baseline (always predict 1.0): test MSE {baseline:.4f}")
print()
print(f"{'network':10s} {'parameters':>10s} {'test MSE':>9s} {'vs baseline':>12s}")
results, before, after, models = {}, {}, {}, {}
for layer in (SimpleRNN, LSTM, GRU):
    name = layer.__name__
    model = dg.Sequential([Input((LENGTH, 2)), layer(UNITS, seed=SEED), Dense(1, seed=SEED)],
                          name=name.lower())
    model.compile(dg.optimizers.Adam(learning_rate=0.01), "mse")
    before[name] = through_time(model, x_test[:256], y_test[:256])
    model.fit(x_train, y_train, batch_size=32, epochs=EPOCHS, verbose=0, seed=SEED)
    after[name] = through_time(model, x_test[:256], y_test[:256])
    results[name] = model.evaluate(x_test, y_test)
    models[name] = model
    print(f"{name:10s} {model.count_params():>10,} {results[name]:>9.4f} "
          f"{results[name] / baseline:>11.1%}")

print()
print(f"LSTM solves it: {results['LSTM'] < SOLVED}")
print(f"GRU solves it: {results['GRU'] < SOLVED}")
print(f"SimpleRNN stays at the baseline: {results['SimpleRNN'] > 0.9 * baseline}")


print()
print(f"How much of the error's gradient reaches the start of the sequence: |dL/dx_t| averaged "
      f"over the first {LENGTH // 10} steps, over the same for the last {LENGTH // 10} (the "
      f"gradient report's through-time figure)")
print(f"{'network':10s} {'at initialization':>18s} {'after training':>15s}")
for name in results:
    print(f"{name:10s} {before[name].through_time:>18.1e} {after[name].through_time:>15.1e}")
# At initialization all three forget quickly (the LSTM's forget gate starts near sigmoid(1) ≈
# 0.73, GRU's update gate near 0.5); training opens the gates so that the first marked value,
# and the gradient with it, passes through. The SimpleRNN has no gate to open.
vanishes = after["SimpleRNN"].through_time
print(f"SimpleRNN's gradient vanishes through time: "
      f"{vanishes < 1e-4 and vanishes < after['LSTM'].through_time / 1e3}")
print(f"  |dL/dx_t| of the trained SimpleRNN, every {LENGTH // 10} steps: "
      + " ".join(f"{g:.0e}" for g in after["SimpleRNN"].step_gradients[::LENGTH // 10]))

# The gradient report says it in words: its through-time finding names the layer and the remedy.
print()
report = gradient_report(models["SimpleRNN"], x_test, y_test)
print(f"The gradient report on the trained SimpleRNN (findings: "
      f"{', '.join(f.kind for f in report.findings) or 'none'}):")
print(report)
print(f"the report finds the vanishing gradient through time: "
      f"{'vanishing_through_time' in [f.kind for f in report.findings]}")
