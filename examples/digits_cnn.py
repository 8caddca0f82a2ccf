"""Handwritten digits (scikit-learn's 8x8 set) with a small convolutional network: >= 0.98 test
accuracy.

A convolution slides the same 3x3 kernels over every position of the image, so a stroke is
recognised wherever it sits, with far fewer weights than a dense layer over all 64 pixels;
max pooling halves the image and keeps the strongest response of each window.

The documented configuration: pixels scaled to [0, 1] as 8x8 images of one channel, a
stratified 75/25 split with seed 0, two 3x3 convolutions of 32 filters (ReLU, "same") -> 2x2
max pooling -> a 3x3 convolution of 64 filters -> 2x2 max pooling -> flatten -> dropout 0.3
-> 10 (softmax); He-uniform initialisation, Adam with a cosine decay of the learning rate from
0.003 to 0 over the 30 epochs, batch size 32, sparse categorical cross-entropy. Across seeds
0-9 (each seeding the split, the initial weights and the batches) the test accuracy is 0.987
to 0.998, 0.992 on average; seed 0 gives 0.989.

    pip install "deepgrad[sklearn]"
    python examples/digits_cnn.py
"""

import deepgrad as dg
from deepgrad import datasets
from deepgrad.layers import Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D

SEED, EPOCHS, BATCH_SIZE = 0, 30, 32

dg.set_seed(SEED)
images, y = datasets.load_digits(return_X_y=True, as_images=True)  # (samples, 8, 8, 1) in [0, 1]
x_train, x_test, y_train, y_test = datasets.train_test_split(images, y, test_size=0.25, seed=SEED,
                                                             stratify=y)


def conv(filters):
    return Conv2D(filters, 3, padding="same", activation="relu", kernel_initializer="he_uniform")


model = dg.Sequential([
    Input((8, 8, 1)),
    conv(32),
    conv(32),
    MaxPooling2D(2),  # 8x8 -> 4x4
    conv(64),
    MaxPooling2D(2),  # 4x4 -> 2x2
    Flatten(),
    Dropout(0.3),
    Dense(10, activation="softmax"),
])
steps = EPOCHS * -(-len(x_train) // BATCH_SIZE)
schedule = dg.schedules.CosineDecay(0.003, decay_steps=steps)
model.compile(optimizer=dg.optimizers.Adam(learning_rate=schedule),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS, verbose=0, seed=SEED)
loss, accuracy = model.evaluate(x_test, y_test)
print(f"images {x_train.shape[1:]}: {len(x_train)} to train on, {len(x_test)} to test")
print(f"test loss {loss:.4f}")
print(f"test accuracy {accuracy:.4f}")
print("meets the 0.98 bar:", accuracy >= 0.98)
