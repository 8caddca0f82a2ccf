"""Time to reach 97% test accuracy on scikit-learn's handwritten digits: deepgrad against
scikit-learn's MLPClassifier (and PyTorch when installed), same network, data and split.

64-128-64-10 ReLU network, Adam 0.002, batch 32, pixels scaled to [0, 1], stratified 75/25 split
(seed 0). Each framework trains one epoch at a time and is scored on the test set after every
epoch; the clock (training time only) stops at the first epoch with test accuracy >= 0.97.
Frameworks alternate run by run; medians over ``--repeats`` runs with different seeds.

    python benchmarks/digits_time.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

TARGET, MAX_EPOCHS = 0.97, 100


def deepgrad_run(data, seed):
    import deepgrad as dg
    from deepgrad.layers import Dense, Input

    x_train, x_test, y_train, y_test = data
    dg.set_seed(seed)
    model = dg.Sequential([Input((64,)), Dense(128, activation="relu"), Dense(64, activation="relu"), Dense(10, activation="softmax")])
    model.compile(optimizer=dg.optimizers.Adam(learning_rate=0.002), loss="sparse_categorical_crossentropy")
    spent = 0.0
    for epoch in range(1, MAX_EPOCHS + 1):
        start = time.perf_counter()
        model.fit(x_train, y_train, batch_size=32, epochs=1, verbose=0, seed=seed + epoch)
        spent += time.perf_counter() - start
        if np.mean(model.predict(x_test).argmax(axis=1) == y_test) >= TARGET:
            return spent, epoch
    return None, MAX_EPOCHS


def sklearn_run(data, seed):
    from sklearn.neural_network import MLPClassifier

    x_train, x_test, y_train, y_test = data
    model = MLPClassifier((128, 64), learning_rate_init=0.002, batch_size=32, alpha=0.0, random_state=seed)
    spent = 0.0
    for epoch in range(1, MAX_EPOCHS + 1):
        start = time.perf_counter()
        model.partial_fit(x_train, y_train, classes=np.arange(10))
        spent += time.perf_counter() - start
        if model.score(x_test, y_test) >= TARGET:
            return spent, epoch
    return None, MAX_EPOCHS


def torch_run(data, seed):
    import torch

    x_train, x_test, y_train, y_test = data
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    optimizer = torch.optim.Adam(net.parameters(), lr=0.002, eps=1e-7)
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    spent = 0.0
    for epoch in range(1, MAX_EPOCHS + 1):
        start = time.perf_counter()
        order = torch.randperm(len(xt))
        for first in range(0, len(xt), 32):
            index = order[first : first + 32]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(net(xt[index]), yt[index]).backward()
            optimizer.step()
        spent += time.perf_counter() - start
        with torch.inference_mode():
            if (net(torch.from_numpy(x_test)).argmax(1).numpy() == y_test).mean() >= TARGET:
                return spent, epoch
    return None, MAX_EPOCHS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from deepgrad import datasets

    x, y = datasets.load_digits(return_X_y=True)
    data = datasets.train_test_split(x, y, test_size=0.25, seed=0, stratify=y)
    runs = {"deepgrad": deepgrad_run, "scikit-learn MLPClassifier": sklearn_run}
    try:
        import torch  # noqa: F401

        runs["PyTorch eager"] = torch_run
    except ImportError:
        pass
    results = {name: [] for name in runs}
    for seed in range(args.repeats):
        for name, run in runs.items():
            results[name].append(run(data, seed))
    print("| framework | median time to 97% | median epochs | runs reaching 97% |")
    print("|---|---|---|---|")
    ours = statistics.median([t for t, _ in results["deepgrad"] if t is not None])
    for name, rows in results.items():
        reached = [t for t, _ in rows if t is not None]
        median = statistics.median(reached) if reached else float("nan")
        epochs = statistics.median([e for _, e in rows])
        print(f"| {name} | {median:.3f} s ({median / ours:.2f}× deepgrad) | {epochs:g} | {len(reached)}/{len(rows)} |")


if __name__ == "__main__":
    main()
