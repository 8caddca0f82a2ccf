"""Run every script in examples/ and check the numbers it prints.

To cover a new example, add its file name and the strings its output must contain to EXPECTED.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

EXPECTED = {
    "ball_rolling_down_a_hill.py": [
        "f(x, y) = 0.1x² + 2y² from (-4.5, 1.5); steps until f < 1e-06",
        "| SGD            | learning_rate=0.2                               |   178 |",
        "| SGD + momentum | learning_rate=0.05, momentum=0.8                |   105 |",
        "| Adam           | learning_rate=0.2                               |   118 |",
    ],
    "hand_written_training_loop.py": ["hand-written loop and fit give identical weights: True"],
    "vanishing_gradients.py": [
        "the report flags: 10 sigmoid layers, Glorot\n",
        "- vanishing gradient: layer dense_45 receives",
    ],
    "dying_relu.py": [
        "dying ReLU: 84% of layer dense_3's units never fire",
        "LeakyReLU learns where ReLU died: True",
    ],
    "exploding_gradients.py": [
        "weights ~ N(0, 0.5²), SGD                            5.32e+02           overflowed  exploding_gradient",
        "training stayed finite: False",
        "weights ~ N(0, 0.5²), SGD(clipnorm=1.0)",
        "training stayed finite: True",
    ],
    "digits_classifier.py": ["meets the 0.97 bar: True"],
    "digits_cnn.py": ["conv2d (Conv2D)", "Total params: 30,634", "meets the 0.98 bar: True"],
    "vgg_and_resnet.py": [
        'Model: "small_vgg"',
        "block1_conv1 (Conv2D)",
        "VGG-style: 49,850 parameters",
        "VGG-style loss decreased: True",
        'Model: "small_resnet"',
        "block2 (Residual)",
        "ResNet-style: 19,866 parameters",
        "ResNet-style loss decreased: True",
        "the downsampling block's shortcut: Conv2D (1, 1), strides (2, 2)",
    ],
    "conv1d_signals.py": [
        "conv1d  network: 5,956 parameters",
        "dense   network: 5,884 parameters",
        "the Conv1D network beats the dense one: True",
    ],
    "adding_problem.py": [
        "LSTM solves it: True",
        "GRU solves it: True",
        "SimpleRNN stays at the baseline: True",
        "SimpleRNN's gradient vanishes through time: True",
        "the report finds the vanishing gradient through time: True",
    ],
    "forecasting.py": ["the LSTM beats the last-value forecast: True"],
    "bidirectional_sentiment.py": [
        "the bidirectional LSTM beats the bag of words: True",
        "the bidirectional LSTM meets the 0.95 bar: True",
    ],
    "reverse_digits.py": ["per-digit accuracy meets the 0.9 bar: True"],
    "tuning_seed_003.py": ["best optimizer: ", "Results summary", "at least 0.9: True"],
    "seed_000_perceptron_neuron.py": ["= 1.031", "= 0.7371", "-> class 1"],
    "seed_001_two_layer_chain.py": [
        "1.151",
        "0.7597",
        "0.045194",
        "0.511297",
        "dL/dy_hat   = -2(y - y_hat)       = -0.977407",
        "dy_hat/dz2  = y_hat(1 - y_hat)    = 0.249872",
        "dz2/dw2     = h                   = 0.759694",
        "product     = -0.185538   (autograd dL/dw2 -0.185538)",
    ],
    "seed_002_softmax.py": [
        "0.3679",
        "20.0855",
        "148.4132",
        "169.8666",
        "0.00217",
        "0.00589",
        "0.11824",
        "0.87370",
        "0.0021657",
        "0.8737043",
    ],
}


def run_example(name: str) -> str:
    # One BLAS thread: the examples' small matrix products gain nothing from two, and on a
    # machine busy with other work (pytest -n 2, a shared CI host) OpenBLAS's spinning threads
    # can make them ten times slower.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stderr}"
    return result.stdout


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_prints_expected_numbers(name):
    output = run_example(name)
    missing = [text for text in EXPECTED[name] if text not in output]
    assert not missing, f"{name} did not print {missing}; its output was:\n{output}"


def test_every_example_is_covered():
    scripts = {path.name for path in EXAMPLES.glob("*.py")}
    assert scripts <= set(EXPECTED), f"add to EXPECTED: {sorted(scripts - set(EXPECTED))}"
