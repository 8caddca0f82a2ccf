"""Callbacks that change the learning rate, log and stop training, as Keras's guides use them.

A custom ``keras.callbacks.Callback`` that records each epoch's logs and stops training early,
``LearningRateScheduler`` with the guide's ``scheduler(epoch, lr)``, ``ReduceLROnPlateau``,
``CSVLogger``, ``TerminateOnNaN`` and ``LambdaCallback``; ``history.epoch`` and
``history.params``.
The two-class data is made here from a fixed seed.
"""

import keras
import numpy as np
from keras import callbacks, layers, optimizers

keras.utils.set_random_seed(13)
rng = np.random.default_rng(13)
x = rng.normal(0, 1, (500, 5)).astype("float32")
y = ((x[:, 0] + 0.5 * x[:, 1] ** 2 - x[:, 2] * x[:, 3]) > 0.4).astype("float32")


def make_model():
    model = keras.Sequential([
        layers.Input(shape=(5,)),
        layers.Dense(16, activation="tanh"),
        layers.Dense(1, activation="sigmoid"),
    ])
    return model


class EpochRecorder(keras.callbacks.Callback):
    def __init__(self, stop_after=None):
        super().__init__()
        self.stop_after = stop_after
        self.seen = []
        self.train_begun = 0
        self.batches = 0

    def on_train_begin(self, logs=None):
        self.train_begun += 1

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append((epoch, sorted(logs)))
        if self.stop_after is not None and epoch + 1 >= self.stop_after:
            self.model.stop_training = True


def scheduler(epoch, lr):
    if epoch < 3:
        return lr
    return float(lr * np.exp(-0.1))


model = make_model()
model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy",
              metrics=["accuracy"])
recorder = EpochRecorder(stop_after=6)
epoch_ends = []
history = model.fit(
    x, y, epochs=20, batch_size=50, verbose=0, validation_split=0.2,
    callbacks=[
        callbacks.LearningRateScheduler(scheduler),
        callbacks.CSVLogger("training.log"),
        callbacks.TerminateOnNaN(),
        callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: epoch_ends.append(epoch)),
        recorder,
    ],
)
learning_rates = [float(lr) for lr in history.history["learning_rate"]]
print("learning rates:", np.round(learning_rates, 5))
with open("training.log") as log:
    csv_lines = log.read().strip().splitlines()

plateau_model = make_model()
plateau_model.compile(optimizer=optimizers.Adam(learning_rate=0.05), loss="binary_crossentropy")
reduce_lr = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=1, min_lr=0.001)
plateau_history = plateau_model.fit(x, y, epochs=10, batch_size=50, verbose=0,
                                    validation_data=(x[:100], y[:100]), callbacks=[reduce_lr])


# ---------------------------------------------------------------- results for the comparison
def describe(m):
    return {
        "params": int(m.count_params()),
        "trainable": int(sum(np.prod(w.shape) for w in m.trainable_weights)),
        "non_trainable": int(sum(np.prod(w.shape) for w in m.non_trainable_weights)),
        "weight_shapes": [list(w.shape) for w in m.get_weights()],
    }


plateau_rates = [float(lr) for lr in plateau_history.history["learning_rate"]]
training = {
    "first_loss": float(history.history["loss"][0]),
    "last_loss": float(history.history["loss"][-1]),
    "plateau_rates": plateau_rates,
    "plateau_val_losses": [float(v) for v in plateau_history.history["val_loss"]],
}
model.set_weights([np.random.default_rng(k).uniform(-0.5, 0.5, w.shape).astype("float32")
                   for k, w in enumerate(model.get_weights())])
RESULTS = {
    "models": {"model": describe(model)},
    "predictions": {"model": model.predict(x[:5], verbose=0).tolist()},
    "values": {
        "learning_rates": learning_rates,
        "epochs": [len(history.epoch), len(epoch_ends), recorder.train_begun, recorder.batches],
        "history_params": [history.params["epochs"], history.params["steps"]],
    },
    "names": {
        "history": sorted(history.history),
        "epoch_logs": recorder.seen[0][1],
        "epoch_numbers": [epoch for epoch, _ in recorder.seen],
        "csv_header": csv_lines[0].split(","),
        "csv_rows": [str(len(csv_lines) - 1)],
        "plateau_history": sorted(plateau_history.history),
    },
    "training": training,
}
