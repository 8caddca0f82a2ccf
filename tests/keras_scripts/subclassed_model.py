"""Custom layers and a subclassed model, as the keras.io subclassing guide writes them.

``keras.layers.Layer`` subclasses that make their weights with ``add_weight`` in ``build`` (a
trainable ``Linear`` layer, a non-trainable running total), a block layer made of layers, a
``keras.Model`` subclass whose ``call`` takes ``training`` and uses ``Dropout``, and the usual
``compile`` / ``fit`` / ``evaluate`` / ``predict``. The regression data is made here from a
fixed seed.
"""

import keras
import numpy as np
from keras import layers


class Linear(keras.layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                 trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return inputs @ self.w + self.b

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


class ComputeSum(keras.layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

    def call(self, inputs):
        self.total.assign(self.total + inputs.sum(axis=0))
        return self.total


class MLPBlock(keras.layers.Layer):
    def __init__(self, units=16, **kwargs):
        super().__init__(**kwargs)
        self.linear_1 = Linear(units)
        self.linear_2 = Linear(units)

    def call(self, inputs):
        x = keras.activations.relu(self.linear_1(inputs))
        return keras.activations.relu(self.linear_2(x))


class Regressor(keras.Model):
    def __init__(self, units=16, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.block = MLPBlock(units)
        self.dropout = layers.Dropout(rate)
        self.head = layers.Dense(1)

    def call(self, inputs, training=False):
        x = self.block(inputs)
        x = self.dropout(x, training=training)
        return self.head(x)


keras.utils.set_random_seed(12)
rng = np.random.default_rng(12)

running = ComputeSum(2)
ones = np.ones((2, 2), dtype="float32")
running(ones)
first_total = running.get_weights()[0]
running(ones)
second_total = running.get_weights()[0]
print("running totals:", first_total, second_total)

linear_layer = Linear(4)
y = linear_layer(np.ones((2, 2), dtype="float32"))
print("weights:", len(linear_layer.weights), "trainable:", len(linear_layer.trainable_weights))

x_train = rng.uniform(-1, 1, (600, 6)).astype("float32")
y_train = (np.sin(2 * x_train[:, :1]) + x_train[:, 1:2] * x_train[:, 2:3]
           + rng.normal(0, 0.05, (600, 1))).astype("float32")
model = Regressor(units=16, name="regressor")
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
history = model.fit(x_train, y_train, epochs=12, batch_size=32, verbose=0, validation_split=0.2)
mse, mae = model.evaluate(x_train, y_train, verbose=0)
print(f"train mse {mse:.4f}, mae {mae:.4f}")
model.summary()


# ---------------------------------------------------------------- results for the comparison
def describe(m):
    return {
        "params": int(m.count_params()),
        "trainable": int(sum(np.prod(w.shape) for w in m.trainable_weights)),
        "non_trainable": int(sum(np.prod(w.shape) for w in m.non_trainable_weights)),
        "weight_shapes": [list(w.shape) for w in m.get_weights()],
    }


training = {
    "first_loss": float(history.history["loss"][0]),
    "last_loss": float(history.history["loss"][-1]),
    "mse": float(mse),
    "target_variance": float(y_train.var()),
}
descriptions = {"model": describe(model), "block": describe(model.block),
                "linear": describe(linear_layer), "running": describe(running)}
model.set_weights([np.random.default_rng(k).uniform(-0.5, 0.5, w.shape).astype("float32")
                   for k, w in enumerate(model.get_weights())])
probe = x_train[:6]
RESULTS = {
    "models": descriptions,
    "predictions": {"model": model.predict(probe, verbose=0).tolist(),
                    "model_called": np.asarray(model(probe)).tolist(),
                    "block": np.asarray(model.block(probe)).tolist()},
    "values": {"running_totals": [first_total.tolist(), second_total.tolist()],
               "evaluate": model.evaluate(probe, y_train[:6], verbose=0),
               "linear_config_units": linear_layer.get_config()["units"]},
    "names": {"history": sorted(history.history),
              "layers": [layer.__class__.__name__ for layer in model.layers]},
    "training": training,
}
