"""The notes' two classic convolutional designs, small: a VGG-style and a ResNet-style network.

VGG: blocks of two 3x3 convolutions and a 2x2 max pooling, the number of filters doubling
from block to block as the image halves; then dense layers. Stacked 3x3 kernels see as far as
one larger kernel with fewer weights and more non-linearities.

ResNet: residual blocks x + f(x), f being conv -> BatchNormalization -> ReLU -> conv ->
BatchNormalization, and a ReLU after the sum; the downsampling block's first convolution
strides by 2 and doubles the filters, so its shortcut is a strided 1x1 convolution
(deepgrad's Residual adds it). The skip connections carry the gradient past each block, and a
global average pooling replaces VGG's large dense head.

Both train for 10 epochs on the 8x8 digits upsampled to 16x16 (each pixel repeated 2x2), split
75/25 with seed 0.

    pip install "deepgrad[sklearn]"
    python examples/vgg_and_resnet.py
"""

import deepgrad as dg
from deepgrad import datasets
from deepgrad.layers import (
    Activation,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    Input,
    MaxPooling2D,
    Residual,
)

SEED, EPOCHS = 0, 10

dg.set_seed(SEED)
x, y = datasets.load_digits(return_X_y=True, as_images=True)
images = x.repeat(2, axis=1).repeat(2, axis=2)  # 16x16, channels last
x_train, x_test, y_train, y_test = datasets.train_test_split(images, y, test_size=0.25, seed=SEED,
                                                             stratify=y)


def vgg_block(block: int, filters: int) -> list:
    """Two 3x3 convolutions and a 2x2 max pooling, named as Keras's VGG16 names them."""
    return [Conv2D(filters, 3, padding="same", activation="relu", kernel_initializer="he_uniform",
                   name=f"block{block}_conv{k}") for k in (1, 2)] + [
        MaxPooling2D(2, name=f"block{block}_pool")]


def vgg() -> dg.Sequential:
    return dg.Sequential([
        Input((16, 16, 1)),
        *vgg_block(1, 16),  # 16x16x16 -> 8x8x16
        *vgg_block(2, 32),  # 8x8x32 -> 4x4x32
        Flatten(name="flatten"),
        Dense(64, activation="relu", kernel_initializer="he_uniform", name="fc1"),
        Dropout(0.3, name="dropout"),
        Dense(10, activation="softmax", name="predictions"),
    ], name="small_vgg")


def conv_bn(filters: int, name: str, strides: int = 1) -> list:
    # no bias: the BatchNormalization after it has its own shift (beta)
    return [Conv2D(filters, 3, strides=strides, padding="same", use_bias=False,
                   kernel_initializer="he_normal", name=f"{name}_conv"),
            BatchNormalization(name=f"{name}_bn")]


def residual_block(name: str, filters: int, strides: int = 1) -> list:
    branch = [*conv_bn(filters, f"{name}_1", strides), Activation("relu", name=f"{name}_1_relu"),
              *conv_bn(filters, f"{name}_2")]
    return [Residual(branch, name=name), Activation("relu", name=f"{name}_out")]


def resnet() -> dg.Sequential:
    return dg.Sequential([
        Input((16, 16, 1)),
        *conv_bn(16, "stem"),
        Activation("relu", name="stem_relu"),
        *residual_block("block1", 16),  # identity shortcut: 16x16x16
        *residual_block("block2", 32, strides=2),  # downsampling: 8x8x32, 1x1 conv shortcut
        GlobalAveragePooling2D(name="avg_pool"),
        Dense(10, activation="softmax", name="predictions"),
    ], name="small_resnet")


results = {}
for name, build in (("VGG-style", vgg), ("ResNet-style", resnet)):
    model = build()
    model.compile(dg.optimizers.Adam(learning_rate=0.002), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.summary()
    history = model.fit(x_train, y_train, batch_size=32, epochs=EPOCHS, verbose=0, seed=SEED)
    losses = history.history["loss"]
    _, accuracy = model.evaluate(x_test, y_test)
    results[name] = (model.count_params(), losses, accuracy)
    print(f"{name}: {model.count_params():,} parameters, loss {losses[0]:.3f} -> "
          f"{losses[-1]:.3f} over {EPOCHS} epochs, test accuracy {accuracy:.4f}")
    print(f"{name} loss decreased: {losses[-1] < losses[0]}")
    print()

shortcut = model.get_layer("block2").projection  # the last model trained: the ResNet
print(f"the downsampling block's shortcut: {type(shortcut).__name__} {shortcut.kernel_size}, "
      f"strides {shortcut.strides}")
print(f"{'network':14s} {'parameters':>10s} {'test accuracy':>14s}")
for name, (count, _, accuracy) in results.items():
    print(f"{name:14s} {count:>10,} {accuracy:>14.4f}")
