"""What Keras 3 does and deepgrad does not yet: one short Keras snippet per gap.

Each entry is ``name: (what is missing or wrong, a Keras snippet that runs on Keras and asserts
Keras's behaviour)``. tests/test_keras_compatibility.py runs every snippet, translated, on
deepgrad, where those of KNOWN_GAPS are expected to fail (a strict xfail: once deepgrad is
fixed the test says so, and the entry moves to CLOSED_GAPS) and those of CLOSED_GAPS must pass,
and, where Keras is available, unchanged on Keras, where all must pass. Snippets follow the
scripts' import rules.
"""

KNOWN_GAPS = {
    "keras_ops": (
        ("keras.ops (matmul, sum, convert_to_numpy, ...: what Keras 3 custom layers are written "
         "with) is missing; deepgrad.ops is the engine's primitives"),
        """
import keras
import numpy as np
product = keras.ops.matmul(np.ones((2, 3), "float32"), np.ones((3, 2), "float32"))
np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.ops.sum(product, axis=0)), [6.0, 6.0])
"""),
    "layer_add_loss": (
        ("Layer.add_loss and layer.losses are missing (the keras.io subclassing guide's "
         "ActivityRegularizationLayer)"),
        """
import keras
import numpy as np
class ActivityRegularization(keras.layers.Layer):
    def call(self, inputs):
        self.add_loss(0.01 * (inputs ** 2).sum())
        return inputs
layer = ActivityRegularization()
layer(np.ones((2, 2), dtype="float32"))
assert len(layer.losses) == 1 and abs(float(layer.losses[0]) - 0.04) < 1e-6
"""),
}

#: Gaps deepgrad has closed: the snippets pass on deepgrad as on Keras.
CLOSED_GAPS = {
    "metrics_are_not_weighted": (
        ("compile(metrics=...) weighed the metrics by sample_weight and class_weight; Keras "
         "weighs only weighted_metrics, logged as weighted_<name> beside an unweighted one"),
        """
import keras
import numpy as np
x, y = np.array([[0.0], [1.0], [2.0], [3.0]], "float32"), np.array([0, 1, 1, 0])
model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(2, activation="softmax")])
model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"],
              weighted_metrics=["accuracy"])
model.set_weights([np.array([[1.0, -1.0]], "float32"), np.zeros(2, "float32")])
logs = model.evaluate(x, y, sample_weight=np.array([1.0, 0.0, 0.0, 5.0]), verbose=0,
                      return_dict=True)
assert logs["accuracy"] == 0.5 and logs["weighted_accuracy"] == 1.0, logs
"""),
    "normalization_mean_and_variance": (
        ("layers.Normalization has no .mean / .variance after adapt (Keras: arrays of the "
         "broadcast shape, as the TensorFlow regression tutorial prints them)"),
        """
import numpy as np
from keras import layers
norm = layers.Normalization()
norm.adapt(np.array([[1.0, 10.0], [3.0, 30.0]], dtype="float32"))
np.testing.assert_allclose(np.asarray(norm.mean), [[2.0, 20.0]])
np.testing.assert_allclose(np.asarray(norm.variance), [[1.0, 100.0]])
"""),
    "np_array_of_a_weight_is_a_copy": (
        ("np.array(weight) shares the weight's memory (Tensor.__array__ ignores copy=True), so a "
         "snapshot changes when the weight is assigned; Keras's snapshot stays"),
        """
import numpy as np
from keras import layers
dense = layers.Dense(2, kernel_initializer="ones")
dense.build((None, 3))
snapshot = np.array(dense.kernel)
dense.kernel.assign(np.zeros((3, 2), dtype="float32"))
assert snapshot.sum() == 6.0, snapshot
"""),
    "evaluate_list_order_of_several_outputs": (
        ("evaluate() of a model with several outputs lists the metrics in output order; Keras "
         "lists them after the losses sorted by name (department_accuracy before priority_mae)"),
        """
import keras
import numpy as np
from keras import layers
a = keras.Input(shape=(3,), name="a")
priority = layers.Dense(1, name="priority")(a)
department = layers.Dense(3, activation="softmax", name="department")(a)
model = keras.Model(a, [priority, department])
model.compile("sgd", loss=["mse", "categorical_crossentropy"], metrics=[["mae"], ["accuracy"]])
x, y = np.ones((4, 3)), [np.ones((4, 1)), np.eye(3)[[0, 1, 2, 0]]]
as_list = model.evaluate(x, y, verbose=0)
as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
order = ["loss", "priority_loss", "department_loss", "department_accuracy", "priority_mae"]
np.testing.assert_allclose(as_list, [as_dict[k] for k in order], rtol=1e-6)
"""),
    "trainable_reaches_the_layers": (
        ("model.trainable = False (or True) is not passed on to the model's layers: "
         "layer.trainable and layer.trainable_weights still say trainable, and a layer frozen "
         "before model.trainable = True stays frozen"),
        """
import keras
from keras import layers
base = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3), layers.Dense(3)])
base.trainable = False
assert base.layers[0].trainable is False and base.layers[0].trainable_weights == []
base.trainable = True
assert base.layers[0].trainable is True and len(base.layers[0].trainable_weights) == 2
"""),
    "sequential_input_shape": (
        ("Sequential.input_shape is None for a model that starts with keras.Input (Keras: "
         "(None, 4)); the attribute is the constructor's input_shape argument"),
        """
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1)])
assert model.input_shape == (None, 4), model.input_shape
assert model.output_shape == (None, 1)
"""),
    "clone_model": (
        "keras.models.clone_model is missing",
        """
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3), layers.Dense(1)])
clone = keras.models.clone_model(model)
assert clone is not model and clone.count_params() == model.count_params() == 19
"""),
    "weight_name_and_path": (
        ("a weight's .name is 'layer/kernel' and it has no .path; in Keras 3 .name is 'kernel' "
         "and .path is 'layer/kernel'"),
        """
from keras import layers
dense = layers.Dense(2, name="hidden")
dense.build((None, 3))
assert [w.name for w in dense.weights] == ["kernel", "bias"]
assert [w.path for w in dense.weights] == ["hidden/kernel", "hidden/bias"]
"""),
    "constant_initializer_of_an_array": (
        ("initializers.Constant refuses a one-element array (TypeError: only 0-dimensional "
         "arrays...); Keras fills the shape with it, and the imbalanced-data tutorial passes "
         "np.log([pos / neg]) as the output bias"),
        """
import keras
import numpy as np
from keras import layers
dense = layers.Dense(1, bias_initializer=keras.initializers.Constant(np.log([0.25])))
dense.build((None, 3))
np.testing.assert_allclose(dense.get_weights()[1], np.log([0.25]).astype("float32"))
"""),
    "optimizers_schedules_module": (
        ("keras.optimizers.schedules does not exist (deepgrad has the schedules as "
         "deepgrad.schedules)"),
        """
import keras
from keras import optimizers
schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=20, decay_rate=0.5)
assert abs(float(schedule(20)) - 0.05) < 1e-7
optimizers.SGD(learning_rate=schedule)
"""),
    "regularizer_function_names": (
        ("keras.regularizers.l1, l2 and l1_l2 (the names most tutorials use) are missing; only "
         "L1, L2, L1L2 exist"),
        """
import keras
import numpy as np
from keras import layers
dense = layers.Dense(2, kernel_regularizer=keras.regularizers.l2(0.01),
                     bias_regularizer=keras.regularizers.l1(0.01))
other = layers.Dense(2, kernel_regularizer=keras.regularizers.l1_l2(l1=0.01, l2=0.01))
assert isinstance(keras.regularizers.l2(0.01), keras.regularizers.L2)
"""),
}
