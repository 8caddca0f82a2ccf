"""A functional model with two inputs and two outputs, trained with dicts keyed by name.

In the style of the keras.io functional API guide's ticket-ranking example: a ticket's title (a
bag of words) and its tags go in, merged by ``layers.Concatenate``; a priority score (a
regression head) and a department (a softmax head) come out. Losses, ``loss_weights`` and
metrics are given per output by name, and ``fit`` / ``evaluate`` take dicts keyed by the
inputs' and outputs' names. The tickets are made here from a fixed seed.
"""

import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(6)

num_words, num_tags, num_departments = 20, 12, 4
rng = np.random.default_rng(6)
n = 640
title_data = (rng.uniform(size=(n, num_words)) < 0.2).astype("float32")
tags_data = rng.integers(0, 2, size=(n, num_tags)).astype("float32")
priority_targets = (title_data[:, :5].sum(axis=1) * 0.2 + tags_data[:, 0] * 0.5
                    + rng.normal(0, 0.1, n)).astype("float32").reshape(-1, 1)
department = (np.argmax(title_data[:, 5:9] + 0.5 * tags_data[:, 1:5], axis=1)).astype("int64")
dept_targets = keras.utils.to_categorical(department, num_departments)

title_input = keras.Input(shape=(num_words,), name="title")
tags_input = keras.Input(shape=(num_tags,), name="tags")
title_features = layers.Dense(16, activation="relu", name="title_features")(title_input)
tag_features = layers.Dense(8, activation="relu", name="tag_features")(tags_input)
x = layers.Concatenate(name="merged")([title_features, tag_features])
x = layers.Dense(16, activation="relu", name="trunk")(x)
priority_pred = layers.Dense(1, name="priority")(x)
department_pred = layers.Dense(num_departments, activation="softmax", name="department")(x)
model = keras.Model(inputs=[title_input, tags_input], outputs=[priority_pred, department_pred],
                    name="ticket_ranker")
model.summary()

model.compile(
    optimizer=keras.optimizers.RMSprop(1e-2),
    loss={"priority": keras.losses.MeanSquaredError(),
          "department": keras.losses.CategoricalCrossentropy()},
    loss_weights={"priority": 1.0, "department": 0.2},
    metrics={"priority": ["mae"], "department": ["accuracy"]},
)
history = model.fit(
    {"title": title_data[:512], "tags": tags_data[:512]},
    {"priority": priority_targets[:512], "department": dept_targets[:512]},
    epochs=10, batch_size=32, verbose=0,
)
scores = model.evaluate({"title": title_data[512:], "tags": tags_data[512:]},
                        {"priority": priority_targets[512:], "department": dept_targets[512:]},
                        verbose=0, return_dict=True)
print(scores)
priority_out, department_out = model.predict({"title": title_data[512:], "tags": tags_data[512:]},
                                             verbose=0)


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
    "scores": {k: float(v) for k, v in scores.items()},
    "department_accuracy": float(np.mean(np.argmax(department_out, axis=1) == department[512:])),
    "priority_std": float(priority_targets[512:].std()),
    "output_shapes": [list(priority_out.shape), list(department_out.shape)],
}
description = describe(model)
model.set_weights([np.random.default_rng(k).uniform(-0.5, 0.5, w.shape).astype("float32")
                   for k, w in enumerate(model.get_weights())])
probe = {"title": title_data[:5], "tags": tags_data[:5]}
probe_targets = {"priority": priority_targets[:5], "department": dept_targets[:5]}
priority_probe, department_probe = model.predict(probe, verbose=0)
as_list = model.predict([title_data[:5], tags_data[:5]], verbose=0)
evaluated = model.evaluate(probe, probe_targets, verbose=0, return_dict=True)
# One SGD step from these weights, with a fresh optimizer: both heads, weighted.
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.2),
              loss={"priority": "mse", "department": "categorical_crossentropy"},
              loss_weights={"priority": 1.0, "department": 0.2},
              metrics={"priority": ["mae"], "department": ["accuracy"]})
step_logs = model.train_on_batch(probe, probe_targets, return_dict=True)
RESULTS = {
    "models": {"model": description},
    "predictions": {"priority": priority_probe.tolist(), "department": department_probe.tolist(),
                    "from_list": [out.tolist() for out in as_list],
                    "after_one_step": [out.tolist() for out in model.predict(probe, verbose=0)]},
    "values": {"evaluate": evaluated, "train_on_batch": step_logs},
    "names": {"history": sorted(history.history), "scores": sorted(scores),
              "inputs": [t.name for t in model.inputs], "outputs": list(model.output_names)},
    "training": training,
}
