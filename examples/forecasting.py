"""Forecasting a noisy seasonal series with an LSTM, against the naive last-value forecast.

The series is hourly readings with a daily cycle (period 24), a weaker half-day harmonic, a slow
trend and noise, all from one seeded generator. ``timeseries_windows`` cuts it into windows of
the last 48 readings and, for each, the reading HORIZON steps after the window. The first 80%
of the series trains the network; the held-out tail, later in time, tests it. The naive
forecast — "the next reading equals the last one" — is the baseline every forecaster must beat:
it is hard to beat one step ahead and gets worse the further ahead one looks, because it knows
nothing of the cycle.

    python examples/forecasting.py
"""

import numpy as np

import deepgrad as dg
from deepgrad.layers import LSTM, Dense, Input
from deepgrad.utils import timeseries_windows

STEPS, PERIOD, WINDOW, HORIZON, SEED, EPOCHS = 2400, 24, 48, 6, 0, 10

rng = np.random.default_rng(SEED)  # the data
dg.set_seed(SEED)  # the initial weights and shuffling
t = np.arange(STEPS)
series = (np.sin(2 * np.pi * t / PERIOD) + 0.4 * np.sin(4 * np.pi * t / PERIOD + 1.0)
          + 0.0005 * t + 0.2 * rng.standard_normal(STEPS)).astype(np.float32)

split = int(0.8 * STEPS)
mean, std = series[:split].mean(), series[:split].std()  # scaled with the training part only
scaled = (series - mean) / std
x_train, y_train = timeseries_windows(scaled[:split], WINDOW, HORIZON)
x_test, y_test = timeseries_windows(scaled[split:], WINDOW, HORIZON)
print(f"series of {STEPS} readings (period {PERIOD}); windows of {WINDOW}, forecasting "
      f"{HORIZON} steps ahead: {len(x_train)} training and {len(x_test)} held-out windows")

model = dg.Sequential([Input((WINDOW, 1)), LSTM(32, seed=SEED), Dense(1, seed=SEED)])
model.compile(dg.optimizers.Adam(learning_rate=0.005), "mse")
model.fit(x_train, y_train, batch_size=32, epochs=EPOCHS, verbose=0, seed=SEED)

# errors in the series' own units
predicted = model.predict(x_test, verbose=0) * std + mean
actual = y_test * std + mean
last_value = x_test[:, -1] * std + mean
lstm_mse = float(np.mean((predicted - actual) ** 2))
naive_mse = float(np.mean((last_value - actual) ** 2))
print(f"held-out tail MSE, last-value forecast: {naive_mse:.4f}")
print(f"held-out tail MSE, LSTM forecaster:     {lstm_mse:.4f}")
# Knowing the period is worth a lot: "the reading one period earlier" is a much stronger
# baseline than the last value, and a fair one to try next.
seasonal = x_test[:, HORIZON - 1 - PERIOD] * std + mean
print(f"(for reference: the noise alone costs {0.2 ** 2:.4f}; the seasonal naive forecast, the "
      f"reading one period earlier, {float(np.mean((seasonal - actual) ** 2)):.4f})")
print(f"the LSTM beats the last-value forecast: {lstm_mse < naive_mse}")
