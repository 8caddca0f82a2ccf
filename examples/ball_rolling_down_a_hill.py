"""A ball rolling down a hill: every optimizer on the same long, narrow valley.

The loss surface is the bowl f(x, y) = 0.1·x² + 2·y², twenty times steeper across (y) than along
(x), from the start (−4.5, 1.5). Plain gradient descent must keep its step small enough for the
steep direction and then crawls along the flat one; momentum (the notes' ball that gathers
speed) keeps rolling along the valley floor; Adagrad, RMSprop, Adam and friends rescale each
coordinate so both directions move at a similar pace. Gradients come from deepgrad's autograd.
(Plain RMSprop with a constant rate never gets below 1e-6 here: near the bottom its steps stay
about lr in size, so the ball keeps bouncing; momentum, ``centered=True`` or a decaying
learning-rate schedule settle it.)

The table gives, for each optimizer and the learning rate it was given, the number of steps
until f < 1e-6 (at most 3,000). With ``--plot out.png`` (needs matplotlib) the paths are drawn
over the contour lines.

Run: ``python examples/ball_rolling_down_a_hill.py [--plot paths.png]``
"""

import argparse

import numpy as np

import deepgrad as dg
from deepgrad import optimizers

START = (-4.5, 1.5)
TOLERANCE = 1e-6
MAX_STEPS = 3000
CURVATURE = np.array([0.1, 2.0])  # f = Σ c_i w_i²

CONTENDERS = [
    ("SGD", optimizers.SGD(learning_rate=0.2)),
    ("SGD + momentum", optimizers.SGD(learning_rate=0.05, momentum=0.8)),
    ("SGD + Nesterov", optimizers.SGD(learning_rate=0.05, momentum=0.8, nesterov=True)),
    ("Adagrad", optimizers.Adagrad(learning_rate=1.0)),
    ("Adadelta", optimizers.Adadelta(learning_rate=1.0, epsilon=1e-3)),
    ("RMSprop", optimizers.RMSprop(learning_rate=0.05, momentum=0.5)),
    ("Adam", optimizers.Adam(learning_rate=0.2)),
    ("AdamW", optimizers.AdamW(learning_rate=0.2, weight_decay=0.01)),
    ("Nadam", optimizers.Nadam(learning_rate=0.2)),
]


def loss_of(w: dg.Tensor) -> dg.Tensor:
    return (dg.Tensor(CURVATURE) * w * w).sum()


def roll(optimizer) -> tuple[int | None, np.ndarray]:
    """Steps until the loss is below TOLERANCE (None if never), and the path taken."""
    w = dg.Parameter(np.array(START), dtype="float64")
    path = [w.data.copy()]
    for step in range(1, MAX_STEPS + 1):
        optimizer.zero_grad([w])
        loss = loss_of(w)
        loss.backward()
        optimizer.step([w])
        path.append(w.data.copy())
        if loss_of(w).item() < TOLERANCE:
            return step, np.array(path)
    return None, np.array(path)


def settings(optimizer) -> str:
    """The constructor arguments that differ from the optimizer's defaults."""
    default = type(optimizer)().get_config()
    changed = {k: v for k, v in optimizer.get_config().items() if v != default[k]}
    return ", ".join(f"{k}={v}" for k, v in changed.items())


def plot(results, filename: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs, ys = np.meshgrid(np.linspace(-5, 2, 200), np.linspace(-2, 2, 200))
    fig, ax = plt.subplots(figsize=(9, 5.5))
    ax.contour(xs, ys, CURVATURE[0] * xs**2 + CURVATURE[1] * ys**2, levels=25, cmap="Greys")
    for name, (_, path) in results.items():
        ax.plot(path[:200, 0], path[:200, 1], ".-", markersize=2, linewidth=1, label=name)
    ax.plot(*START, "ko")
    ax.set(xlabel="x", ylabel="y", title="f = 0.1x² + 2y²: first 200 steps of each optimizer")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(filename, dpi=120)
    print(f"\npaths saved to {filename}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Optimizers rolling down the same valley.")
    parser.add_argument("--plot", metavar="FILE.png", help="save a plot of the paths")
    args = parser.parse_args(argv)
    results = {name: roll(optimizer) for name, optimizer in CONTENDERS}
    print(f"f(x, y) = 0.1x² + 2y² from {START}; steps until f < {TOLERANCE:g}\n")
    print(f"| {'optimizer':<15}| {'settings (besides the defaults)':<48}| steps |")
    print(f"|{'-' * 16}|{'-' * 49}|-------|")
    for (name, optimizer), (steps, _) in zip(CONTENDERS, results.values()):
        shown = settings(optimizer)
        print(f"| {name:<15}| {shown:<48}| {steps if steps else '> ' + str(MAX_STEPS):>5} |")
    if args.plot:
        plot(results, args.plot)


if __name__ == "__main__":
    main()
