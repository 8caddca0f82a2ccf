"""A generative adversarial network on 2-D points, trained batch by batch.

In the style of the "develop a 1D GAN from scratch in Keras" tutorial: a dense generator and
discriminator, the GAN as a Sequential of the two, ``train_on_batch`` for each step, and the
discriminator frozen inside the combined model. In Keras 3 ``trainable`` is read at each call,
so the loop switches ``discriminator.trainable`` on for its own batches and off for the
generator's; the combined model is compiled while the discriminator is frozen. The real points
lie on the parabola y = x^2.
"""

import keras
import numpy as np
from keras.layers import Dense
from keras.models import Sequential

keras.utils.set_random_seed(4)
rng = np.random.default_rng(4)
latent_dim = 5


def define_discriminator(n_inputs=2):
    model = Sequential()
    model.add(Dense(25, activation="relu", kernel_initializer="he_uniform", input_dim=n_inputs))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def define_generator(latent_dim, n_outputs=2):
    model = Sequential()
    model.add(Dense(15, activation="relu", kernel_initializer="he_uniform", input_dim=latent_dim))
    model.add(Dense(n_outputs, activation="linear"))
    return model


def define_gan(generator, discriminator):
    discriminator.trainable = False
    model = Sequential()
    model.add(generator)
    model.add(discriminator)
    model.compile(loss="binary_crossentropy", optimizer="adam")
    return model


def generate_real_samples(n):
    x = rng.uniform(-0.5, 0.5, n)
    return np.column_stack([x, x * x]).astype("float32"), np.ones((n, 1), dtype="float32")


def generate_latent_points(latent_dim, n):
    return rng.standard_normal((n, latent_dim)).astype("float32")


def generate_fake_samples(generator, latent_dim, n):
    x = generator.predict(generate_latent_points(latent_dim, n), verbose=0)
    return x, np.zeros((n, 1), dtype="float32")


def distance_to_parabola(points):
    return float(np.mean(np.abs(points[:, 1] - points[:, 0] ** 2)))


discriminator = define_discriminator()
generator = define_generator(latent_dim)
gan_model = define_gan(generator, discriminator)

check_latent = generate_latent_points(latent_dim, 200)
start_distance = distance_to_parabola(generator.predict(check_latent, verbose=0))
n_batch = 64
d_losses, g_losses, real_accuracies = [], [], []
for step in range(300):
    half = n_batch // 2
    x_real, y_real = generate_real_samples(half)
    x_fake, y_fake = generate_fake_samples(generator, latent_dim, half)
    discriminator.trainable = True
    d_loss_real, d_acc_real = discriminator.train_on_batch(x_real, y_real)
    d_loss_fake, d_acc_fake = discriminator.train_on_batch(x_fake, y_fake)
    discriminator.trainable = False
    x_gan = generate_latent_points(latent_dim, n_batch)
    y_gan = np.ones((n_batch, 1), dtype="float32")
    g_loss = gan_model.train_on_batch(x_gan, y_gan)
    d_losses.append((d_loss_real + d_loss_fake) / 2)
    g_losses.append(float(g_loss))
    real_accuracies.append(d_acc_real)
    if step % 100 == 99:
        print(f"step {step + 1}: d_loss {d_losses[-1]:.3f}, g_loss {g_loss:.3f}")
end_distance = distance_to_parabola(generator.predict(check_latent, verbose=0))
print(f"distance of generated points to the parabola: {start_distance:.3f} -> {end_distance:.3f}")


# ---------------------------------------------------------------- results for the comparison
def describe(m):
    return {
        "params": int(m.count_params()),
        "trainable": int(sum(np.prod(w.shape) for w in m.trainable_weights)),
        "non_trainable": int(sum(np.prod(w.shape) for w in m.non_trainable_weights)),
        "weight_shapes": [list(w.shape) for w in m.get_weights()],
    }


def weights_change(model, train):
    before = [w.copy() for w in model.get_weights()]
    train()
    return any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


x_real, y_real = generate_real_samples(8)
x_gan, y_gan = generate_latent_points(latent_dim, 8), np.ones((8, 1), dtype="float32")


def gan_step():
    gan_model.train_on_batch(x_gan, y_gan)


discriminator.trainable = False
frozen = {"discriminator_in_gan": weights_change(discriminator, gan_step),
          "generator_in_gan": weights_change(generator, gan_step)}
descriptions = {"generator": describe(generator), "discriminator_frozen": describe(discriminator),
                "gan_frozen": describe(gan_model)}
discriminator.trainable = True
frozen["discriminator_alone"] = weights_change(
    discriminator, lambda: discriminator.train_on_batch(x_real, y_real))
descriptions.update({"discriminator": describe(discriminator), "gan": describe(gan_model)})

training = {
    "first_d_loss": float(np.mean(d_losses[:20])),
    "last_d_loss": float(np.mean(d_losses[-20:])),
    "first_g_loss": float(np.mean(g_losses[:20])),
    "last_g_loss": float(np.mean(g_losses[-20:])),
    "start_distance": start_distance,
    "end_distance": end_distance,
    "changed": frozen,
}
gan_model.set_weights([np.random.default_rng(k).uniform(-0.5, 0.5, w.shape).astype("float32")
                       for k, w in enumerate(gan_model.get_weights())])
probe = np.random.default_rng(40).standard_normal((6, latent_dim)).astype("float32")
fake = generator.predict(probe, verbose=0)
predictions = {"generator": fake.tolist(),
               "discriminator": discriminator.predict(fake, verbose=0).tolist(),
               "gan": gan_model.predict(probe, verbose=0).tolist()}
gan_loss = gan_model.test_on_batch(probe, np.ones((6, 1)))
# One SGD step of the generator through the frozen discriminator, with a fresh optimizer.
discriminator.trainable = False
gan_model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.5))
step_loss = gan_model.train_on_batch(probe, np.ones((6, 1)))
predictions["gan_after_one_step"] = gan_model.predict(probe, verbose=0).tolist()
predictions["discriminator_after_gan_step"] = discriminator.predict(fake, verbose=0).tolist()
RESULTS = {
    "models": descriptions,
    "predictions": predictions,
    "values": {"gan_test_on_batch": gan_loss, "gan_train_on_batch": step_loss},
    "names": {"changed": sorted(k for k, v in frozen.items() if v)},
    "training": training,
}
