"""Tests of deepgrad.losses: hand-computed values, gradients, stability, lookup and errors.

Every expected value is worked out by hand in the comments (natural logarithms), so that a test
failure points at arithmetic a person can redo.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import functional as F
from deepgrad.autograd import gradcheck
from deepgrad import losses
from deepgrad.losses import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    DiscriminatorLoss,
    GeneratorLoss,
    Hinge,
    Huber,
    KLDivergence,
    Loss,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
    TripletLoss,
)

# ln values used below, each written out once
LN_0_8 = 0.22314355131420976  # -ln 0.8
LN_0_6 = 0.5108256237659907  # -ln 0.6
LN_0_3 = 1.2039728043259361  # -ln 0.3
LN_0_75 = 0.2876820724517809  # -ln 0.75
LN_0_7 = 0.35667494393873245  # -ln 0.7
LN_2 = 0.6931471805599453  # ln 2


def f64(values, requires_grad=True):
    return dg.Tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def check_reductions(loss_class, y_true, y_pred, per_sample, weights, **settings):
    """The class gives mean, sum and none of ``per_sample``, with and without weights."""
    per_sample = np.asarray(per_sample)
    weights = np.asarray(weights, dtype=np.float64)
    n = len(per_sample)
    cases = {
        "none": (per_sample, per_sample * weights),
        "sum": (per_sample.sum(), (per_sample * weights).sum()),
        "mean": (per_sample.sum() / n, (per_sample * weights).sum() / n),
    }
    for reduction, (plain, weighted) in cases.items():
        loss = loss_class(reduction=reduction, **settings)
        np.testing.assert_allclose(loss(y_true, f64(y_pred)).numpy(), plain, rtol=1e-7, atol=1e-12)
        np.testing.assert_allclose(
            loss(y_true, f64(y_pred), sample_weight=weights).numpy(), weighted, rtol=1e-7, atol=1e-12
        )


def test_the_ln_constants_are_right():
    assert LN_0_8 == pytest.approx(-math.log(0.8), abs=1e-15)
    assert LN_0_6 == pytest.approx(-math.log(0.6), abs=1e-15)
    assert LN_0_3 == pytest.approx(-math.log(0.3), abs=1e-15)
    assert LN_0_75 == pytest.approx(-math.log(0.75), abs=1e-15)
    assert LN_0_7 == pytest.approx(-math.log(0.7), abs=1e-15)
    assert LN_2 == pytest.approx(math.log(2), abs=1e-15)


# ============================================================================ golden values

REG_TRUE = [[1.0, 2.0], [0.0, 0.0], [3.0, -1.0]]
REG_PRED = [[1.5, 1.0], [0.0, 2.0], [2.0, -1.0]]  # errors (0.5, -1), (0, 2), (-1, 0)


def test_mean_squared_error_golden():
    # per sample: (0.25 + 1)/2 = 0.625, (0 + 4)/2 = 2, (1 + 0)/2 = 0.5
    expected = [0.625, 2.0, 0.5]
    np.testing.assert_allclose(losses.mean_squared_error(REG_TRUE, f64(REG_PRED)).numpy(), expected)
    # weights (2, 1, 0): mean = (1.25 + 2 + 0) / 3 = 1.0833..., sum = 3.25
    check_reductions(MeanSquaredError, REG_TRUE, REG_PRED, expected, [2.0, 1.0, 0.0])
    assert MeanSquaredError()(REG_TRUE, f64(REG_PRED)).item() == pytest.approx(3.125 / 3)
    weighted = MeanSquaredError()(REG_TRUE, f64(REG_PRED), sample_weight=[2.0, 1.0, 0.0])
    assert weighted.item() == pytest.approx(3.25 / 3)


def test_mean_squared_error_gradient_by_hand():
    # d cost / d ŷ = 2·e / (n_samples · n_outputs) = 2·e / 6
    y_pred = f64(REG_PRED)
    MeanSquaredError()(REG_TRUE, y_pred).backward()
    errors = np.array(REG_PRED) - np.array(REG_TRUE)
    np.testing.assert_allclose(y_pred.grad, errors / 3)


def test_mean_absolute_error_golden():
    # per sample: (0.5 + 1)/2 = 0.75, (0 + 2)/2 = 1, (1 + 0)/2 = 0.5; sum 2.25, mean 0.75
    expected = [0.75, 1.0, 0.5]
    np.testing.assert_allclose(losses.mean_absolute_error(REG_TRUE, f64(REG_PRED)).numpy(), expected)
    # weights (2, 1, 0): sum 2.5, mean 2.5 / 3
    check_reductions(MeanAbsoluteError, REG_TRUE, REG_PRED, expected, [2.0, 1.0, 0.0])


def test_huber_golden_follows_the_notes_formula():
    y_true, y_pred = [0.0, 0.0, 0.0, 0.0], [0.5, -2.0, 1.0, 3.0]
    # delta 1: ½·0.25 = 0.125; 1·2 - ½ = 1.5; |e| = δ: ½·1 = 0.5 (both pieces agree); 3 - ½ = 2.5
    expected = [0.125, 1.5, 0.5, 2.5]
    np.testing.assert_allclose(losses.huber(y_true, f64(y_pred)).numpy(), expected)
    check_reductions(Huber, y_true, y_pred, expected, [1.0, 2.0, 0.5, 0.0])  # sum 0.125+3+0.25
    # delta 2: 0.125; ½·4 = 2 (quadratic: |e| = δ); 0.5; 2·3 - ½·4 = 4
    np.testing.assert_allclose(losses.huber(y_true, f64(y_pred), delta=2.0).numpy(), [0.125, 2, 0.5, 4])
    assert Huber(2.0)(y_true, f64(y_pred)).item() == pytest.approx(6.625 / 4)


def test_binary_crossentropy_golden():
    y_true, y_pred = [1.0, 0.0, 1.0, 0.0], [0.8, 0.4, 0.3, 0.25]
    # -ln 0.8 = 0.22314355, -ln 0.6 = 0.51082562, -ln 0.3 = 1.20397280, -ln 0.75 = 0.28768207
    expected = [0.22314355, 0.51082562, 1.20397280, 0.28768207]
    np.testing.assert_allclose(losses.binary_crossentropy(y_true, f64(y_pred)).numpy(), expected)
    np.testing.assert_allclose(expected, [LN_0_8, LN_0_6, LN_0_3, LN_0_75], atol=5e-9)
    # mean = 2.22562404 / 4 = 0.55640601; with weights (1, 2, 0, 1): 1.53247687 / 4 = 0.38311922
    assert BinaryCrossentropy()(y_true, f64(y_pred)).item() == pytest.approx(0.55640601, abs=1e-8)
    weighted = BinaryCrossentropy()(y_true, f64(y_pred), sample_weight=[1.0, 2.0, 0.0, 1.0])
    assert weighted.item() == pytest.approx(0.38311922, abs=1e-8)
    check_reductions(BinaryCrossentropy, y_true, y_pred, expected, [1.0, 2.0, 0.0, 1.0])


def test_binary_crossentropy_from_logits_golden():
    # x = 0: ln 2 for either label; y=1, x=2: ln(1 + e^-2) = 0.12692801; y=0, x=-1: ln(1 + e^-1)
    y_true, logits = [1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 2.0, -1.0]
    expected = [LN_2, LN_2, 0.12692801104297263, 0.31326168751822286]
    assert expected[2] == pytest.approx(math.log1p(math.exp(-2)))
    assert expected[3] == pytest.approx(math.log1p(math.exp(-1)))
    got = losses.binary_crossentropy(y_true, f64(logits), from_logits=True).numpy()
    np.testing.assert_allclose(got, expected)
    check_reductions(BinaryCrossentropy, y_true, logits, expected, [0.5, 1, 1, 2], from_logits=True)


def test_binary_crossentropy_label_smoothing_and_multi_output():
    # smoothing 0.2: y = 1 → 0.9; BCE(0.9, 0.8) = 0.9·0.22314355 + 0.1·1.60943791 = 0.36177299
    got = losses.binary_crossentropy([1.0], f64([0.8]), label_smoothing=0.2).item()
    assert got == pytest.approx(0.9 * LN_0_8 + 0.1 * -math.log(0.2))
    assert got == pytest.approx(0.36177299, abs=1e-8)
    # (n, 2) outputs average over the outputs: (-ln 0.8 - ln 0.6)/2, (-ln 0.9 + ln 2)/2
    got = losses.binary_crossentropy([[1.0, 0.0], [0.0, 0.0]], f64([[0.8, 0.4], [0.1, 0.5]]))
    np.testing.assert_allclose(got.numpy(), [0.36698459, 0.39925385], atol=1e-8)


def test_binary_crossentropy_clips_probabilities():
    # p = 0 and p = 1 are clipped to 1e-7 and 1 - 1e-7: -ln(1e-7) = 16.11809565 instead of inf
    got = losses.binary_crossentropy([1.0, 0.0], f64([0.0, 1.0])).numpy()
    np.testing.assert_allclose(got, [16.11809565, 16.11809565], atol=1e-6)


def test_categorical_crossentropy_golden():
    y_true = [[0, 1, 0], [1, 0, 0]]
    y_pred = [[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]]
    # -ln 0.7 = 0.35667494, -ln 0.5 = 0.69314718; mean 1.04982212 / 2 = 0.52491106
    expected = [LN_0_7, LN_2]
    np.testing.assert_allclose(losses.categorical_crossentropy(y_true, f64(y_pred)).numpy(), expected)
    assert CategoricalCrossentropy()(y_true, f64(y_pred)).item() == pytest.approx(0.52491106)
    # weights (3, 1): (3·0.35667494 + 0.69314718) / 2 = 0.88158601
    weighted = CategoricalCrossentropy()(y_true, f64(y_pred), sample_weight=[3.0, 1.0])
    assert weighted.item() == pytest.approx(0.88158601)
    check_reductions(CategoricalCrossentropy, y_true, y_pred, expected, [3.0, 1.0])


def test_categorical_crossentropy_from_logits_is_the_notes_softmax_example():
    # seed 002: softmax(-1, 0, 3, 5) = (0.00217, 0.00589, 0.11824, 0.87371); label = class 3
    # -ln 0.87370431 = ln(e^-1 + 1 + e^3 + e^5) - 5 = ln 169.86657546 - 5 = 0.13500...
    expected = math.log(math.exp(-1) + 1 + math.exp(3) + math.exp(5)) - 5
    assert expected == pytest.approx(-math.log(0.87370431), abs=1e-8)
    logits = f64([[-1.0, 0.0, 3.0, 5.0]])
    got = losses.categorical_crossentropy([[0, 0, 0, 1]], logits, from_logits=True)
    assert got.item() == pytest.approx(expected, abs=1e-12)
    check_reductions(
        CategoricalCrossentropy, [[0, 0, 0, 1]], [[-1.0, 0.0, 3.0, 5.0]], [expected], [2.0],
        from_logits=True,
    )


def test_categorical_crossentropy_label_smoothing_and_normalization():
    # smoothing 0.3 over 3 classes: (0, 1, 0) → (0.1, 0.8, 0.1)
    # -(0.1 ln 0.1 + 0.8 ln 0.7 + 0.1 ln 0.2) = 0.23025851 + 0.28533995 + 0.16094379 = 0.67654225
    got = losses.categorical_crossentropy([[0, 1, 0]], f64([[0.1, 0.7, 0.2]]), label_smoothing=0.3)
    assert got.item() == pytest.approx(0.67654225, abs=1e-8)
    # rows that do not sum to 1 are divided by their sum first (as Keras):
    # (2, 14, 4) / 20 = (0.1, 0.7, 0.2)
    got = losses.categorical_crossentropy([[0, 1, 0]], f64([[2.0, 14.0, 4.0]]))
    assert got.item() == pytest.approx(LN_0_7)


def test_sparse_categorical_crossentropy_golden():
    y_pred = [[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]]
    expected = [LN_0_7, LN_2]  # the same as the one-hot case above
    got = losses.sparse_categorical_crossentropy([1, 0], f64(y_pred))
    np.testing.assert_allclose(got.numpy(), expected)
    check_reductions(SparseCategoricalCrossentropy, [1, 0], y_pred, expected, [3.0, 1.0])
    # (n, 1) labels and integral floats are accepted
    got = losses.sparse_categorical_crossentropy(np.array([[1.0], [0.0]]), f64(y_pred))
    np.testing.assert_allclose(got.numpy(), expected)
    logits = [[-1.0, 0.0, 3.0, 5.0]]
    notes = math.log(math.exp(-1) + 1 + math.exp(3) + math.exp(5)) - 5
    got = losses.sparse_categorical_crossentropy([3], f64(logits), from_logits=True)
    assert got.item() == pytest.approx(notes, abs=1e-12)


def test_hinge_golden():
    y_true, y_pred = [1.0, -1.0, 1.0, -1.0], [2.0, 0.5, 0.25, -3.0]
    # max(0, 1 - 2) = 0, 1 + 0.5 = 1.5, 1 - 0.25 = 0.75, max(0, 1 - 3) = 0; sum 2.25, mean 0.5625
    expected = [0.0, 1.5, 0.75, 0.0]
    np.testing.assert_allclose(losses.hinge(y_true, f64(y_pred)).numpy(), expected)
    assert Hinge()(y_true, f64(y_pred)).item() == pytest.approx(0.5625)
    check_reductions(Hinge, y_true, y_pred, expected, [1.0, 2.0, 3.0, 4.0])
    # two outputs average: (max(0, 1 - 0.5) + max(0, 1 + 0.5)) / 2 = 1
    assert losses.hinge([[1.0, -1.0]], f64([[0.5, 0.5]])).item() == pytest.approx(1.0)


def test_kl_divergence_golden():
    y_true = [[0.5, 0.5], [0.9, 0.1]]
    y_pred = [[0.25, 0.75], [0.5, 0.5]]
    # ½ ln(0.5/0.25) + ½ ln(0.5/0.75) = 0.34657359 - 0.20273255 = 0.14384104
    # 0.9 ln(0.9/0.5) + 0.1 ln(0.1/0.5) = 0.52900800 - 0.16094379 = 0.36806421
    expected = [0.14384104, 0.36806421]
    np.testing.assert_allclose(losses.kl_divergence(y_true, f64(y_pred)).numpy(), expected, atol=1e-8)
    check_reductions(KLDivergence, y_true, y_pred, expected, [1.0, 0.5])
    # a zero target is clipped to 1e-7: ln(1/0.6) + 1e-7·ln(1e-7/0.4) = 0.51082562 - 1.52e-6
    got = losses.kl_divergence([[1.0, 0.0]], f64([[0.6, 0.4]])).item()
    assert got == pytest.approx(LN_0_6 + 1e-7 * math.log(1e-7 / 0.4), abs=1e-12)
    assert losses.kl_divergence([[0.3, 0.7]], f64([[0.3, 0.7]])).item() == pytest.approx(0.0, abs=1e-15)


def test_binary_focal_crossentropy_golden():
    y_true, y_pred = [1.0, 0.0], [0.8, 0.4]
    # y=1, p=0.8: p_t = 0.8, (0.2)²·0.22314355 = 0.00892574
    # y=0, p=0.4: p_t = 0.6, (0.4)²·0.51082562 = 0.08173210
    expected = [0.04 * LN_0_8, 0.16 * LN_0_6]
    np.testing.assert_allclose(expected, [0.00892574, 0.08173210], atol=1e-8)
    got = losses.binary_focal_crossentropy(y_true, f64(y_pred)).numpy()
    np.testing.assert_allclose(got, expected)
    check_reductions(BinaryFocalCrossentropy, y_true, y_pred, expected, [1.0, 3.0])
    # class balancing weighs class 1 by α = 0.25 and class 0 by 0.75: 0.00223144, 0.06129908
    balanced = [0.25 * 0.04 * LN_0_8, 0.75 * 0.16 * LN_0_6]
    np.testing.assert_allclose(balanced, [0.00223144, 0.06129908], atol=1e-8)
    check_reductions(
        BinaryFocalCrossentropy, y_true, y_pred, balanced, [1.0, 3.0], apply_class_balancing=True
    )
    # from logits: x = 0, y = 1: (1 - ½)²·ln 2 = 0.17328680
    got = losses.binary_focal_crossentropy([1.0], f64([0.0]), from_logits=True).item()
    assert got == pytest.approx(0.25 * LN_2) and got == pytest.approx(0.17328680, abs=1e-8)
    # γ = 0 is the plain cross-entropy
    got = losses.binary_focal_crossentropy(y_true, f64(y_pred), gamma=0.0).numpy()
    np.testing.assert_allclose(got, [LN_0_8, LN_0_6])


def test_categorical_focal_crossentropy_golden():
    y_true, y_pred = [[0, 1, 0], [1, 0, 0]], [[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]]
    # α·(1 - 0.7)²·(-ln 0.7) = 0.25·0.09·0.35667494 = 0.00802519;
    # 0.25·(0.5)²·ln 2 = 0.04332170
    expected = [0.25 * 0.09 * LN_0_7, 0.25 * 0.25 * LN_2]
    np.testing.assert_allclose(expected, [0.00802519, 0.04332170], atol=1e-8)
    got = losses.categorical_focal_crossentropy(y_true, f64(y_pred)).numpy()
    np.testing.assert_allclose(got, expected)
    check_reductions(CategoricalFocalCrossentropy, y_true, y_pred, expected, [2.0, 1.0])
    plain = losses.categorical_focal_crossentropy(y_true, f64(y_pred), alpha=1.0, gamma=0.0)
    np.testing.assert_allclose(plain.numpy(), [LN_0_7, LN_2])


TRIPLET_A = [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
TRIPLET_P = [[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]]
TRIPLET_N = [[0.0, 1.2], [3.0, 1.0], [0.0, 1.0]]


def test_triplet_loss_golden_uses_squared_distances():
    # ‖a-p‖² = 1, 0, 4; ‖a-n‖² = 1.44, 4, 1
    # margin 1: 1 - 1.44 + 1 = 0.56; max(0 - 4 + 1, 0) = 0; 4 - 1 + 1 = 4 → sum 4.56, mean 1.52
    a, p, n = f64(TRIPLET_A), f64(TRIPLET_P), f64(TRIPLET_N)
    np.testing.assert_allclose(losses.triplet_loss(a, p, n).numpy(), [0.56, 0.0, 4.0])
    np.testing.assert_allclose(losses.triplet_loss(a, p, n, margin=0.5).numpy(), [0.06, 0.0, 3.5])
    assert TripletLoss()(a, p, n).item() == pytest.approx(1.52)
    assert TripletLoss(reduction="sum")(a, p, n).item() == pytest.approx(4.56)
    weighted = TripletLoss(reduction="none")(a, p, n, sample_weight=[2.0, 5.0, 0.5])
    np.testing.assert_allclose(weighted.numpy(), [1.12, 0.0, 2.0])
    # gradient of sample 0 w.r.t. the anchor: 2(a - p) - 2(a - n) = 2(n - p) = (-2, 2.4), over n=3
    TripletLoss()(a, p, n).backward()
    np.testing.assert_allclose(a.grad[0], [-2.0 / 3, 2.4 / 3])
    np.testing.assert_allclose(a.grad[1], [0.0, 0.0])


def test_gan_losses_golden():
    real, fake = [0.8, 0.9], [0.4, 0.2]
    # -ln 0.8 - ln(1 - 0.4) = 0.73396918; -ln 0.9 - ln(1 - 0.2) = 0.10536052 + 0.22314355
    expected = [LN_0_8 + LN_0_6, -math.log(0.9) + LN_0_8]
    np.testing.assert_allclose(expected, [0.73396918, 0.32850407], atol=1e-8)
    got = losses.discriminator_loss(f64(real), f64(fake), from_logits=False).numpy()
    np.testing.assert_allclose(got, expected)
    loss = DiscriminatorLoss(from_logits=False)
    assert loss(f64(real), f64(fake)).item() == pytest.approx(sum(expected) / 2)
    assert loss(f64(real), f64(fake), sample_weight=[0.0, 2.0]).item() == pytest.approx(expected[1])
    per_sample = DiscriminatorLoss(False, reduction="none")(f64(real), f64(fake), sample_weight=[3, 1])
    np.testing.assert_allclose(per_sample.numpy(), [3 * expected[0], expected[1]])
    total = DiscriminatorLoss(False, reduction="sum")(f64(real), f64(fake))
    assert total.item() == pytest.approx(sum(expected))
    # from logits, D = ½ everywhere: ln 2 + ln 2
    got = losses.discriminator_loss(f64([0.0]), f64([0.0])).item()
    assert got == pytest.approx(2 * LN_2)
    # generator, non-saturating: -ln D(G(z)): ln 4 = 1.38629436, ln 2; minimax: ln(1 - D(G(z)))
    fake = [0.25, 0.5]
    got = losses.generator_loss(f64(fake), from_logits=False).numpy()
    np.testing.assert_allclose(got, [2 * LN_2, LN_2])
    got = losses.generator_loss(f64(fake), mode="minimax", from_logits=False).numpy()
    np.testing.assert_allclose(got, [math.log(0.75), math.log(0.5)])  # -0.28768207, -0.69314718
    assert GeneratorLoss(from_logits=False)(f64(fake)).item() == pytest.approx(1.5 * LN_2)
    minimax = GeneratorLoss("minimax", from_logits=False, reduction="sum")
    assert minimax(f64(fake)).item() == pytest.approx(math.log(0.375))  # ln 0.75 + ln 0.5
    weighted = GeneratorLoss(from_logits=False, reduction="none")(f64(fake), sample_weight=[1, 0])
    np.testing.assert_allclose(weighted.numpy(), [2 * LN_2, 0.0])


def test_gan_losses_accept_column_outputs():
    real, fake = f64([[1.0], [-2.0]]), f64([[0.5], [0.0]])
    flat = losses.discriminator_loss(f64([1.0, -2.0]), f64([0.5, 0.0])).numpy()
    np.testing.assert_allclose(losses.discriminator_loss(real, fake).numpy(), flat)
    assert losses.generator_loss(fake).shape == (2,)


# ============================================================================ shapes and dtypes


@pytest.mark.parametrize(
    "fn",
    [losses.mse, losses.mae, losses.huber, losses.bce, losses.hinge, losses.binary_focal_crossentropy],
)
def test_elementwise_losses_give_one_loss_per_sample(fn):
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, size=(5, 3)).astype(float)
    y_pred = f64(rng.uniform(0.1, 0.9, size=(5, 3)))
    assert fn(y_true, y_pred).shape == (5,)
    assert fn(y_true[:, 0], f64(y_pred.data[:, 0])).shape == (5,)
    # (n,) labels against a (n, 1) prediction pair up row by row, they do not broadcast to (n, n)
    column = fn(y_true[:, 0], f64(y_pred.data[:, :1]))
    np.testing.assert_allclose(column.numpy(), fn(y_true[:, 0], f64(y_pred.data[:, 0])).numpy())
    # trailing axes beyond the second are averaged too
    cube = rng.uniform(0.1, 0.9, size=(2, 3, 4))
    labels = rng.integers(0, 2, size=(2, 3, 4)).astype(float)
    got = fn(labels, f64(cube)).numpy()
    flat = fn(labels.reshape(2, -1), f64(cube.reshape(2, -1))).numpy()
    np.testing.assert_allclose(got, flat)


def test_categorical_losses_average_extra_axes_and_honour_axis():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 3, 4))
    labels = rng.integers(0, 4, size=(2, 3))
    onehot = np.eye(4)[labels]
    cce = losses.categorical_crossentropy(onehot, f64(logits), from_logits=True)
    scce = losses.sparse_categorical_crossentropy(labels, f64(logits), from_logits=True)
    assert cce.shape == scce.shape == (2,)
    np.testing.assert_allclose(cce.numpy(), scce.numpy())
    by_hand = -np.log(np.exp(logits) / np.exp(logits).sum(-1, keepdims=True))
    expected = np.take_along_axis(by_hand, labels[..., None], -1)[..., 0].mean(axis=1)
    np.testing.assert_allclose(cce.numpy(), expected)
    channels_first = np.moveaxis(logits, -1, 1)  # (2, 4, 3): classes on axis 1
    got = losses.categorical_crossentropy(
        np.moveaxis(onehot, -1, 1), f64(channels_first), from_logits=True, axis=1
    )
    np.testing.assert_allclose(got.numpy(), cce.numpy())


def test_float32_predictions_stay_float32():
    y_pred = dg.Tensor([[0.2, 0.8], [0.6, 0.4]], requires_grad=True)
    y_true = np.array([[0.0, 1.0], [1.0, 0.0]])  # float64 targets do not upcast
    for name in ["mse", "mae", "huber", "bce", "cce", "hinge", "kld",
                 "binary_focal_crossentropy", "categorical_focal_crossentropy"]:
        cost = losses.get(name)(y_true if name != "hinge" else 2 * y_true - 1, y_pred)
        assert cost.dtype == np.float32, name
    cost = SparseCategoricalCrossentropy()([1, 0], y_pred, sample_weight=np.array([1.0, 2.0]))
    cost.backward()
    assert cost.dtype == np.float32 and y_pred.grad.dtype == np.float32


def test_y_true_tensor_is_a_constant():
    y_true = dg.Tensor([1.0, 0.0], requires_grad=True, dtype="float64")
    y_pred = f64([0.8, 0.4])
    BinaryCrossentropy()(y_true, y_pred).backward()
    assert y_true.grad is None and y_pred.grad is not None


# ============================================================================ gradients

RNG = np.random.default_rng(2024)
PROBS = RNG.uniform(0.05, 0.95, size=(4, 3))
LOGITS = RNG.normal(scale=2.0, size=(4, 3))
ONEHOT = np.eye(3)[[0, 2, 1, 2]]
SOFT = RNG.dirichlet(np.ones(3), size=4)
BINARY = RNG.integers(0, 2, size=(4, 3)).astype(float)
TARGETS = RNG.normal(size=(4, 3))
# errors between 0.1 and 2.5 in size with random signs: away from 0 (MAE) and from δ = 1 (Huber)
OFFSETS = RNG.choice([0.1, 0.3, 0.7, 1.4, 2.5], size=(4, 3)) * RNG.choice([-1.0, 1.0], size=(4, 3))

GRADIENT_CASES = {
    "mse": (losses.mean_squared_error, TARGETS, TARGETS + OFFSETS),
    "mae": (losses.mean_absolute_error, TARGETS, TARGETS + OFFSETS),
    "huber": (losses.huber, TARGETS, TARGETS + OFFSETS),
    "huber_delta_0.5": (lambda y, p: losses.huber(y, p, delta=0.5), TARGETS, TARGETS + OFFSETS),
    "bce": (losses.binary_crossentropy, BINARY, PROBS),
    "bce_soft_smoothed": (lambda y, p: losses.bce(y, p, label_smoothing=0.1), SOFT, PROBS),
    "bce_logits": (lambda y, p: losses.bce(y, p, from_logits=True), BINARY, LOGITS),
    "bce_logits_smoothed": (
        lambda y, p: losses.bce(y, p, from_logits=True, label_smoothing=0.2), SOFT, LOGITS
    ),
    "cce": (losses.categorical_crossentropy, ONEHOT, PROBS),
    "cce_soft": (losses.categorical_crossentropy, SOFT, PROBS),
    "cce_logits_smoothed": (
        lambda y, p: losses.cce(y, p, from_logits=True, label_smoothing=0.1), ONEHOT, LOGITS
    ),
    "scce": (losses.sparse_categorical_crossentropy, ONEHOT.argmax(1), PROBS),
    "scce_logits": (lambda y, p: losses.scce(y, p, from_logits=True), ONEHOT.argmax(1), LOGITS),
    "hinge": (losses.hinge, 2 * BINARY - 1, LOGITS),
    "hinge_01": (losses.hinge, BINARY, LOGITS),
    "kld": (losses.kl_divergence, SOFT, PROBS),
    "binary_focal": (losses.binary_focal_crossentropy, BINARY, PROBS),
    "binary_focal_balanced_logits": (
        lambda y, p: losses.binary_focal_crossentropy(
            y, p, apply_class_balancing=True, gamma=1.5, from_logits=True, label_smoothing=0.1
        ),
        BINARY,
        LOGITS,
    ),
    "binary_focal_gamma_half": (
        lambda y, p: losses.binary_focal_crossentropy(y, p, gamma=0.5), SOFT, PROBS
    ),
    "categorical_focal": (losses.categorical_focal_crossentropy, ONEHOT, PROBS),
    "categorical_focal_logits": (
        lambda y, p: losses.categorical_focal_crossentropy(y, p, gamma=3.0, from_logits=True),
        SOFT,
        LOGITS,
    ),
    "generator_non_saturating": (lambda y, p: losses.generator_loss(p), None, LOGITS[:, 0]),
    "generator_minimax": (lambda y, p: losses.generator_loss(p, "minimax"), None, LOGITS[:, :1]),
    "generator_probabilities": (
        lambda y, p: losses.generator_loss(p, from_logits=False), None, PROBS[:, 0]
    ),
}


def test_hinge_gradient_cases_stay_away_from_the_kink():
    for labels in (2 * BINARY - 1, BINARY):
        signed = 2 * labels - 1 if labels.min() == 0 else labels
        assert np.abs(1 - signed * LOGITS).min() > 1e-3


@pytest.mark.parametrize("case", sorted(GRADIENT_CASES))
def test_gradcheck_per_sample_losses(case):
    fn, y_true, y_pred = GRADIENT_CASES[case]
    assert gradcheck(lambda p: fn(y_true, p), f64(y_pred), atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", ["mse", "bce_logits", "cce", "scce_logits", "categorical_focal"])
def test_gradcheck_reduced_costs_with_sample_weight(case, reduction):
    fn, y_true, y_pred = GRADIENT_CASES[case]
    loss = LossFunctionWrapper(fn, reduction=reduction)
    weights = np.array([0.5, 2.0, 0.0, 1.0])
    assert gradcheck(
        lambda p: loss(y_true, p, sample_weight=weights), f64(y_pred), atol=1e-7, rtol=1e-5
    )


def test_gradcheck_categorical_on_three_axes():
    logits = np.random.default_rng(3).normal(size=(2, 3, 4))
    labels = np.random.default_rng(4).integers(0, 4, size=(2, 3))
    assert gradcheck(
        lambda p: losses.scce(labels, p, from_logits=True), f64(logits), atol=1e-7, rtol=1e-5
    )
    assert gradcheck(
        lambda p: losses.cce(np.eye(4)[labels], p, from_logits=True, axis=-1), f64(logits),
        atol=1e-7, rtol=1e-5,
    )


def test_gradcheck_triplet_loss_wrt_all_three_inputs():
    rng = np.random.default_rng(5)
    anchor, positive, negative = (rng.normal(size=(6, 4)) for _ in range(3))
    gaps = ((anchor - positive) ** 2).sum(1) - ((anchor - negative) ** 2).sum(1)
    margin = 1.0
    assert np.abs(gaps + margin).min() > 1e-3  # away from the hinge of max(·, 0)
    assert (gaps + margin > 0).any() and (gaps + margin < 0).any()  # both pieces are exercised
    assert gradcheck(
        lambda a, p, n: losses.triplet_loss(a, p, n, margin=margin),
        f64(anchor), f64(positive), f64(negative), atol=1e-7, rtol=1e-5,
    )


def test_gradcheck_discriminator_loss_wrt_both_outputs():
    real, fake = f64(LOGITS[:, 0]), f64(LOGITS[:, 1])
    assert gradcheck(losses.discriminator_loss, real, fake, atol=1e-7, rtol=1e-5)
    real, fake = f64(PROBS[:, :1]), f64(PROBS[:, 1:2])
    assert gradcheck(
        lambda r, f: losses.discriminator_loss(r, f, from_logits=False), real, fake,
        atol=1e-7, rtol=1e-5,
    )


# ============================================================================ stability

EXTREME_LOGITS = np.array(
    [-1e4, -1e3, -100.0, -40.0, -20.0, -1.0, 0.0, 1.0, 20.0, 40.0, 100.0, 1e3, 1e4]
)

STABLE_FROM_LOGITS = {
    "bce": lambda y, p: losses.bce(y, p, from_logits=True),
    "bce_smoothed": lambda y, p: losses.bce(y, p, from_logits=True, label_smoothing=0.1),
    "binary_focal": lambda y, p: losses.binary_focal_crossentropy(
        y, p, apply_class_balancing=True, from_logits=True
    ),
    "binary_focal_gamma_half": lambda y, p: losses.binary_focal_crossentropy(
        y, p, gamma=0.5, from_logits=True
    ),
    "binary_focal_gamma_5": lambda y, p: losses.binary_focal_crossentropy(
        y, p, gamma=5.0, from_logits=True
    ),
    "cce": lambda y, p: losses.cce(np.eye(p.shape[1])[y], p, from_logits=True),
    "cce_smoothed": lambda y, p: losses.cce(
        np.eye(p.shape[1])[y], p, from_logits=True, label_smoothing=0.1
    ),
    "scce": lambda y, p: losses.scce(y, p, from_logits=True),
    "categorical_focal": lambda y, p: losses.categorical_focal_crossentropy(
        np.eye(p.shape[1])[y], p, from_logits=True
    ),
    "categorical_focal_gamma_half": lambda y, p: losses.categorical_focal_crossentropy(
        np.eye(p.shape[1])[y], p, gamma=0.5, from_logits=True
    ),
    "categorical_focal_gamma_5": lambda y, p: losses.categorical_focal_crossentropy(
        np.eye(p.shape[1])[y], p, gamma=5.0, from_logits=True
    ),
    "discriminator": lambda y, p: losses.discriminator_loss(p, p[::-1]),
    "generator_minimax": lambda y, p: losses.generator_loss(p, "minimax"),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", sorted(STABLE_FROM_LOGITS))
def test_losses_from_huge_logits_are_finite_without_floating_point_errors(case, dtype):
    fn = STABLE_FROM_LOGITS[case]
    rng = np.random.default_rng(6)
    rows = np.stack([rng.permutation(EXTREME_LOGITS) for _ in range(40)])
    rows[0] = 1e4  # a tie at the top
    rows[1] = -1e4
    categorical = case.startswith(("cce", "scce", "categorical"))
    labels = rng.integers(0, rows.shape[1], size=len(rows)) if categorical else (
        rng.integers(0, 2, size=rows.shape)
    )
    for weight in (1.0, 1e-6):  # small upstream gradients too
        # Values are exact down to the smallest normal number (ops.stable), so a product of tiny
        # exact values (a focal weight of 1e-35 times a cross-entropy of 2e-9, or times a tiny
        # upstream gradient) may be subnormal: underflow, which NumPy ignores by default, is
        # allowed; overflow, NaN and division by zero never are.
        y_pred = dg.Tensor(rows, requires_grad=True, dtype=dtype)
        with np.errstate(all="raise", under="ignore"):
            per_sample = fn(labels, y_pred)
            cost = reduce_mean(per_sample) * weight
            cost.backward()
        assert np.isfinite(per_sample.numpy()).all()
        assert np.isfinite(y_pred.grad).all()


def reduce_mean(per_sample):
    return losses.reduce_losses(per_sample, reduction="mean")


def test_huge_logits_give_exact_cross_entropies_and_gradients():
    # BCE from logits at x = ±1e4: 0 when right, |x| when wrong; gradient sigmoid(x) - y
    logits = f64([1e4, -1e4, 1e4, -1e4])
    with np.errstate(all="raise"):
        per_sample = losses.bce([1.0, 0.0, 0.0, 1.0], logits, from_logits=True)
        per_sample.sum().backward()
    np.testing.assert_array_equal(per_sample.numpy(), [0.0, 0.0, 1e4, 1e4])
    np.testing.assert_array_equal(logits.grad, [0.0, 0.0, 1.0, -1.0])
    # CCE from logits (1e4, -1e4, 0): label 1 costs 2e4, label 0 costs 0; gradient softmax - y
    logits = f64([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]])
    with np.errstate(all="raise"):
        per_sample = losses.scce([1, 0], logits, from_logits=True)
        per_sample.sum().backward()
    np.testing.assert_array_equal(per_sample.numpy(), [2e4, 0.0])
    np.testing.assert_array_equal(logits.grad, [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("name", ["cce", "scce", "categorical_focal"])
def test_crossentropy_from_logits_ignores_a_shift_of_1e8(name):
    rng = np.random.default_rng(7)
    logits = rng.normal(scale=3.0, size=(6, 5))
    labels = rng.integers(0, 5, size=6)
    fn = STABLE_FROM_LOGITS[name]
    base, shifted = f64(logits), f64(logits + 1e8)
    with np.errstate(all="raise"):
        expected, got = fn(labels, base), fn(labels, shifted)
        expected.sum().backward()
        got.sum().backward()
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(shifted.grad, base.grad, rtol=0, atol=1e-6)


# ============================================================================ logits vs probabilities


def test_from_logits_matches_probabilities_for_moderate_logits():
    rng = np.random.default_rng(8)
    logits = rng.uniform(-4, 4, size=(5, 4))
    binary = rng.integers(0, 2, size=(5, 4)).astype(float)
    labels = rng.integers(0, 4, size=5)
    onehot = np.eye(4)[labels]
    pairs = [
        (lambda p, fl: losses.bce(binary, p, from_logits=fl, label_smoothing=0.1), "sigmoid"),
        (lambda p, fl: losses.binary_focal_crossentropy(binary, p, True, from_logits=fl), "sigmoid"),
        (lambda p, fl: losses.generator_loss(p, "minimax", from_logits=fl), "sigmoid"),
        (lambda p, fl: losses.discriminator_loss(p, p[::-1], from_logits=fl), "sigmoid"),
        (lambda p, fl: losses.cce(onehot, p, from_logits=fl, label_smoothing=0.1), "softmax"),
        (lambda p, fl: losses.scce(labels, p, from_logits=fl), "softmax"),
        (lambda p, fl: losses.categorical_focal_crossentropy(onehot, p, from_logits=fl), "softmax"),
    ]
    for fn, activation in pairs:
        from_logits, through_activation = f64(logits), f64(logits)
        probabilities = (
            through_activation.sigmoid() if activation == "sigmoid" else F.softmax(through_activation)
        )
        direct, indirect = fn(from_logits, True), fn(probabilities, False)
        np.testing.assert_allclose(direct.numpy(), indirect.numpy(), rtol=1e-9, atol=1e-12)
        direct.sum().backward()
        indirect.sum().backward()
        np.testing.assert_allclose(from_logits.grad, through_activation.grad, rtol=1e-7, atol=1e-10)


# ============================================================================ hinge labels


def test_hinge_with_01_labels_equals_hinge_with_plus_minus_1_labels():
    rng = np.random.default_rng(9)
    scores = rng.normal(size=(6, 2))
    labels01 = rng.integers(0, 2, size=(6, 2)).astype(float)
    a, b = f64(scores), f64(scores)
    zero_one, plus_minus = losses.hinge(labels01, a), losses.hinge(2 * labels01 - 1, b)
    np.testing.assert_array_equal(zero_one.numpy(), plus_minus.numpy())
    zero_one.sum().backward()
    plus_minus.sum().backward()
    np.testing.assert_array_equal(a.grad, b.grad)
    # all-ones batches are the same in both conventions; all-zero batches mean all -1
    np.testing.assert_array_equal(losses.hinge([1, 1], f64([0.5, 2.0])).numpy(), [0.5, 0.0])
    np.testing.assert_array_equal(losses.hinge([0, 0], f64([0.5, -2.0])).numpy(), [1.5, 0.0])


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([1, 0.5, -1], r"\{-1, 1\} or in \{0, 1\}; y_true\[1\] is 0.5"),
        ([1, -1, 0], r"mixes them: y_true\[1\] is -1 and y_true\[2\] is 0"),
        ([2, 1, 1], r"y_true\[0\] is 2"),
    ],
)
def test_hinge_rejects_other_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        losses.hinge(labels, f64([0.1, 0.2, 0.3]))


def test_hinge_matches_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    scores = np.array([2.0, 0.5, 0.25, -3.0, -0.2])
    labels = np.array([1, 0, 1, 0, 0])
    ours = Hinge()(labels, f64(scores)).item()
    assert ours == pytest.approx(metrics.hinge_loss(labels, scores))


def test_crossentropies_match_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(10)
    p = rng.uniform(0.05, 0.95, size=20)
    y = rng.integers(0, 2, size=20)
    assert BinaryCrossentropy()(y, f64(p)).item() == pytest.approx(metrics.log_loss(y, p))
    probs = rng.dirichlet(np.ones(4), size=20)
    labels = np.arange(20) % 4
    expected = metrics.log_loss(labels, probs)
    assert SparseCategoricalCrossentropy()(labels, f64(probs)).item() == pytest.approx(expected)
    assert CategoricalCrossentropy()(np.eye(4)[labels], f64(probs)).item() == pytest.approx(expected)
    targets, predictions = rng.normal(size=20), rng.normal(size=20)
    mse = metrics.mean_squared_error(targets, predictions)
    assert MeanSquaredError()(targets, f64(predictions)).item() == pytest.approx(mse)
    mae = metrics.mean_absolute_error(targets, predictions)
    assert MeanAbsoluteError()(targets, f64(predictions)).item() == pytest.approx(mae)


# ============================================================================ get / serialize

CANONICAL = {
    "mean_squared_error": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "huber": Huber,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "hinge": Hinge,
    "kl_divergence": KLDivergence,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": CategoricalFocalCrossentropy,
    "triplet_loss": TripletLoss,
    "discriminator_loss": DiscriminatorLoss,
    "generator_loss": GeneratorLoss,
}
ALIASES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "huber_loss": "huber",
    "bce": "binary_crossentropy",
    "log_loss": "binary_crossentropy",
    "cce": "categorical_crossentropy",
    "scce": "sparse_categorical_crossentropy",
    "kld": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
}


@pytest.mark.parametrize("name", sorted(CANONICAL))
def test_get_by_canonical_name_gives_the_class_and_its_function(name):
    loss = losses.get(name)
    assert type(loss) is CANONICAL[name]
    assert loss.name == name and loss.reduction == "mean"
    function = getattr(losses, name)
    assert type(losses.get(function)) is CANONICAL[name]
    assert type(losses.get(CANONICAL[name])) is CANONICAL[name]


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_get_by_alias(alias):
    assert type(losses.get(alias)) is CANONICAL[ALIASES[alias]]
    assert getattr(losses, alias) is getattr(losses, ALIASES[alias])


def test_names_cover_every_class_and_nothing_else():
    assert losses.NAMES == {**CANONICAL, **{a: CANONICAL[c] for a, c in ALIASES.items()}}
    builtin = {cls.__name__ for cls in CANONICAL.values()}
    assert builtin <= set(losses.REGISTRY)


def test_get_dict_instance_and_callable():
    loss = losses.get({"class_name": "BinaryCrossentropy", "config": {"from_logits": True}})
    assert isinstance(loss, BinaryCrossentropy) and loss.from_logits and loss.reduction == "mean"
    instance = Huber(delta=3.0)
    assert losses.get(instance) is instance

    def squared_log_error(y_true, y_pred):
        return ((y_pred + 1.0).log() - np.log1p(y_true)) ** 2

    wrapped = losses.get(squared_log_error)
    assert isinstance(wrapped, LossFunctionWrapper) and wrapped.name == "squared_log_error"
    # (ln 2 - 0)² and 0, averaged
    assert wrapped([0.0, 1.0], f64([1.0, 1.0])).item() == pytest.approx(LN_2**2 / 2)


def test_get_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown loss 'mean_square_error'") as error:
        losses.get("mean_square_error")
    for name in [*CANONICAL, *ALIASES]:
        assert name in str(error.value)


@pytest.mark.parametrize("identifier", [None, 3, ["mse"], int])
def test_get_rejects_other_types(identifier):
    with pytest.raises(TypeError, match=r"a loss must be a name \(such as .mse.\), a config dict, a Loss or a function"):
        losses.get(identifier)


NON_DEFAULT = [
    MeanSquaredError(reduction="sum"),
    MeanAbsoluteError(reduction="none", name="l1"),
    Huber(0.5, reduction="sum"),
    BinaryCrossentropy(True, label_smoothing=0.1),
    CategoricalCrossentropy(from_logits=True, label_smoothing=0.2, axis=1),
    SparseCategoricalCrossentropy(True, reduction="sum"),
    Hinge(reduction="none"),
    KLDivergence(name="kl"),
    BinaryFocalCrossentropy(True, alpha=0.4, gamma=1.5, from_logits=True, label_smoothing=0.05),
    CategoricalFocalCrossentropy(0.5, gamma=3.0, from_logits=True, label_smoothing=0.1, axis=-1),
    TripletLoss(0.2, reduction="sum"),
    DiscriminatorLoss(False),
    GeneratorLoss("minimax", from_logits=False),
]


@pytest.mark.parametrize("loss", NON_DEFAULT, ids=lambda loss: type(loss).__name__)
def test_config_round_trip_through_json(loss):
    spec = json.loads(json.dumps(losses.serialize(loss)))
    assert spec["class_name"] == type(loss).__name__
    rebuilt = losses.get(spec)
    assert type(rebuilt) is type(loss) and rebuilt.get_config() == loss.get_config()
    assert type(loss).from_config(loss.get_config()).get_config() == loss.get_config()
    assert repr(rebuilt) == repr(loss)


def test_round_trip_computes_the_same_loss():
    loss = BinaryFocalCrossentropy(True, alpha=0.4, gamma=1.5, from_logits=True)
    rebuilt = losses.deserialize(losses.serialize(loss))
    y, x = BINARY, f64(LOGITS)
    assert rebuilt(y, x).item() == loss(y, x).item()


def test_serialize_refuses_custom_functions_and_deserialize_checks_specs():
    with pytest.raises(ValueError, match="cannot serialize the custom loss function 'my_loss'"):
        losses.serialize(LossFunctionWrapper(lambda y, p: p, name="my_loss"))
    with pytest.raises(ValueError, match=r"unknown loss 'Nope'\. Valid names: .*huber"):
        losses.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="invalid config for Huber: .*'delt'"):
        losses.deserialize({"class_name": "Huber", "config": {"delt": 1.0}})
    with pytest.raises(ValueError, match="'class_name' and 'config'"):
        losses.deserialize({"config": {}})
    keras_style = {
        "module": "keras.losses", "class_name": "Hinge", "config": {}, "registered_name": None
    }
    assert isinstance(losses.deserialize(keras_style), Hinge)


def test_loss_subclasses_register_and_round_trip():
    class ScaledSquaredError(Loss):
        def __init__(self, scale=1.0, *, reduction="mean", name=None):
            super().__init__(reduction, name)
            self.scale = scale

        def call(self, y_true, y_pred):
            return losses.mse(y_true, y_pred) * self.scale

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    try:
        rebuilt = losses.get(losses.serialize(ScaledSquaredError(2.0)))
        assert isinstance(rebuilt, ScaledSquaredError) and rebuilt.scale == 2.0
        assert rebuilt.name == "scaled_squared_error"
        assert rebuilt([1.0], f64([3.0])).item() == pytest.approx(8.0)  # 2·(3 - 1)²
    finally:
        losses.REGISTRY.pop("ScaledSquaredError", None)


# ============================================================================ errors


def test_sample_count_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"y_true with shape \(3,\) and y_pred with shape \(4, 2\)"):
        losses.mse([1.0, 2.0, 3.0], f64(np.zeros((4, 2))))
    with pytest.raises(ValueError, match=r"same number of samples.*\(2, 3\).*\(3, 3\)"):
        losses.cce(np.eye(3)[:2], f64(np.eye(3)))
    message = r"real_output with shape \(2,\) and fake_output with shape \(3,\)"
    with pytest.raises(ValueError, match=message):
        losses.discriminator_loss(f64([0.0, 1.0]), f64([0.0, 1.0, 2.0]))


def test_shape_mismatch_names_both_shapes():
    message = r"same shape; got y_true with shape \(4, 3\) and y_pred with shape \(4, 2\)"
    with pytest.raises(ValueError, match=message):
        losses.bce(np.zeros((4, 3)), f64(np.full((4, 2), 0.5)))
    with pytest.raises(ValueError, match="for integer class labels use sparse_categorical_crossentropy"):
        losses.cce([0, 1], f64([[0.5, 0.5], [0.5, 0.5]]))
    with pytest.raises(ValueError, match="y_true looks one-hot: use categorical_crossentropy"):
        losses.scce(np.eye(2), f64([[0.5, 0.5], [0.5, 0.5]]))
    message = r"needs y_pred of shape \(n_samples, n_classes\); got shape \(3,\)"
    with pytest.raises(ValueError, match=message):
        losses.cce([0, 1, 0], f64([0.2, 0.5, 0.3]))
    with pytest.raises(ValueError, match="same shape"):
        losses.triplet_loss(f64(np.zeros((2, 3))), f64(np.zeros((2, 3))), f64(np.zeros((2, 4))))
    with pytest.raises(ValueError, match="sample axis"):
        losses.mse(1.0, f64(2.0))
    with pytest.raises(ValueError, match="cannot be 0, the sample axis"):
        losses.cce(np.eye(2), f64(np.eye(2)), axis=0)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([0, 3, 1], r"integer class labels in \[0, 2\].*y_true\[1\] is 3"),
        ([0, 1, -1], r"y_true\[2\] is -1"),
        ([0.0, 1.5, 1.0], r"y_true\[1\] is 1.5"),
        ([0.0, 1.0, np.nan], r"y_true\[2\] is nan"),
    ],
)
def test_sparse_labels_must_be_integers_in_range(labels, message):
    with pytest.raises(ValueError, match=message):
        losses.scce(np.array(labels), f64(np.full((3, 3), 1 / 3)), from_logits=True)


def test_sample_weight_is_checked():
    loss = MeanSquaredError()
    y, p = [1.0, 2.0, 3.0], f64([1.0, 2.0, 4.0])
    with pytest.raises(ValueError, match=r"one weight per sample, shape \(3,\); got shape \(2,\)"):
        loss(y, p, sample_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"finite; sample_weight\[1\] is nan"):
        loss(y, p, sample_weight=[1.0, np.nan, 1.0])
    assert loss(y, p, sample_weight=2.0).item() == pytest.approx(2 / 3)  # a scalar weighs all
    assert loss(y, p, sample_weight=[[0.0], [0.0], [3.0]]).item() == pytest.approx(1.0)  # (n, 1)


_P = f64([[0.2, 0.8], [0.6, 0.4]])  # a valid prediction for the function calls below
_Y = np.array([[0.0, 1.0], [1.0, 0.0]])

# Every constructor and function argument, checked before any work with its name, what was
# expected and what came; Keras's arguments deepgrad does not implement say what to do instead.
ARGUMENTS = [
    # Loss (every loss class): reduction, name, dtype
    (lambda: MeanSquaredError(reduction="avg"), ValueError,
     "reduction must be 'mean', 'sum', 'none' or 'sum_over_batch_size'; got 'avg'"),
    (lambda: Hinge(reduction=1), TypeError, "reduction must be .*; got int 1"),
    (lambda: KLDivergence(reduction="mean_with_sample_weight"), ValueError,
     "'mean_with_sample_weight' .* is not implemented; .* scale sample_weight to sum to the batch size"),
    (lambda: MeanAbsoluteError(name=3), TypeError, "name must be a non-empty string; got int 3"),
    (lambda: Huber(name=""), ValueError, "name must be a non-empty string"),
    (lambda: BinaryCrossentropy(dtype="int64"), TypeError, "dtype must be a floating-point dtype .*; got int64"),
    (lambda: LossFunctionWrapper("mse"), TypeError, r"fn must be callable \(a function\); got str 'mse'"),
    # settings of the classes
    (lambda: Huber(delta=0.0), ValueError, "delta must be a finite number > 0; got 0.0"),
    (lambda: Huber(delta="1"), TypeError, "delta must be a finite number > 0; got str '1'"),
    (lambda: BinaryCrossentropy(label_smoothing=1.5), ValueError, r"label_smoothing must be a finite number in \[0, 1\]"),
    (lambda: BinaryCrossentropy(from_logits="yes"), TypeError, "from_logits must be True or False; got str 'yes'"),
    (lambda: BinaryCrossentropy(axis=1), ValueError,
     r"BinaryCrossentropy averages over every axis after the first .*; axis must be -1; got 1"),
    (lambda: CategoricalCrossentropy(label_smoothing=None), TypeError, "label_smoothing must be a finite number"),
    (lambda: CategoricalCrossentropy(axis=1.0), TypeError, "axis must be an int; got float 1.0"),
    (lambda: CategoricalCrossentropy(axis=0), ValueError, "axis is the class axis; it cannot be 0, the sample axis"),
    (lambda: CategoricalCrossentropy(from_logits=1), TypeError, "from_logits must be True or False; got int 1"),
    (lambda: SparseCategoricalCrossentropy(from_logits=None), TypeError, "from_logits must be True or False"),
    (lambda: SparseCategoricalCrossentropy(ignore_class=0), ValueError,
     "ignore_class is not implemented .*; give the samples of that class sample_weight=0 instead"),
    (lambda: SparseCategoricalCrossentropy(axis=1), ValueError, "axis must be -1; got 1"),
    (lambda: BinaryFocalCrossentropy(apply_class_balancing="yes"), TypeError, "apply_class_balancing must be True or False"),
    (lambda: BinaryFocalCrossentropy(alpha=2.0), ValueError, r"alpha must be a finite number in \[0, 1\]; got 2.0"),
    (lambda: BinaryFocalCrossentropy(gamma=-1.0), ValueError, "gamma must be a finite number >= 0; got -1.0"),
    (lambda: BinaryFocalCrossentropy(from_logits="no"), TypeError, "from_logits must be True or False"),
    (lambda: BinaryFocalCrossentropy(label_smoothing=-0.1), ValueError, "label_smoothing must be a finite number"),
    (lambda: BinaryFocalCrossentropy(axis=2), ValueError, "axis must be -1; got 2"),
    (lambda: CategoricalFocalCrossentropy(alpha=-0.5), ValueError, "alpha must be a finite number >= 0; got -0.5"),
    (lambda: CategoricalFocalCrossentropy(gamma="2"), TypeError, "gamma must be a finite number >= 0; got str '2'"),
    (lambda: CategoricalFocalCrossentropy(from_logits=[True]), TypeError, "from_logits must be True or False"),
    (lambda: CategoricalFocalCrossentropy(label_smoothing=2), ValueError, "label_smoothing must be a finite number"),
    (lambda: CategoricalFocalCrossentropy(axis="last"), TypeError, "axis must be an int; got str 'last'"),
    (lambda: TripletLoss(margin=float("nan")), ValueError, "margin must be a finite number; got nan"),
    (lambda: DiscriminatorLoss(from_logits="yes"), TypeError, "from_logits must be True or False"),
    (lambda: GeneratorLoss("wasserstein"), ValueError, "mode must be 'non_saturating' or 'minimax'; got 'wasserstein'"),
    (lambda: GeneratorLoss(from_logits=0), TypeError, "from_logits must be True or False; got int 0"),
    # the functions: settings first, then y_true / y_pred
    (lambda: losses.huber(_Y, _P, delta=-1), ValueError, "delta must be a finite number > 0; got -1.0"),
    (lambda: losses.binary_crossentropy(_Y, _P, from_logits="no"), TypeError, "from_logits must be True or False"),
    (lambda: losses.binary_crossentropy(_Y, _P, label_smoothing="0.1"), TypeError, "label_smoothing must be a finite number"),
    (lambda: losses.categorical_crossentropy(_Y, _P, axis="x"), TypeError, "axis must be an int; got str 'x'"),
    (lambda: losses.categorical_crossentropy(_Y, _P, axis=5), ValueError, r"axis 5 is out of range for y_pred with shape \(2, 2\)"),
    (lambda: losses.sparse_categorical_crossentropy([1, 0], _P, from_logits=None), TypeError, "from_logits must be True or False"),
    (lambda: losses.binary_focal_crossentropy(_Y, _P, apply_class_balancing=1), TypeError, "apply_class_balancing must be True or False"),
    (lambda: losses.binary_focal_crossentropy(_Y, _P, gamma=float("inf")), ValueError, "gamma must be a finite number >= 0; got inf"),
    (lambda: losses.categorical_focal_crossentropy(_Y, _P, alpha=None), TypeError, "alpha must be a finite number >= 0"),
    (lambda: losses.categorical_focal_crossentropy(_Y, _P, axis=None), TypeError, "axis must be an int; got NoneType None"),
    (lambda: losses.triplet_loss(_P, _P, _P, margin="1"), TypeError, "margin must be a finite number; got str '1'"),
    (lambda: losses.discriminator_loss(_P, _P, from_logits="yes"), TypeError, "from_logits must be True or False"),
    (lambda: losses.generator_loss(_P, mode=3), TypeError, "mode must be 'non_saturating' or 'minimax'; got int 3"),
    (lambda: losses.mean_squared_error(["a", "b"], _P), TypeError, "y_true must be numeric; got an array of dtype <U1"),
    (lambda: losses.mean_absolute_error(_Y, "x"), TypeError, "Tensor data must be numeric"),
    (lambda: losses.hinge(_Y, 2.0), ValueError, r"y_pred must have a sample axis, shape \(n_samples, ...\); got a scalar"),
    (lambda: losses.kl_divergence([[0.5, 0.5]], _P), ValueError, "same number of samples"),
    (lambda: MeanSquaredError()(_Y, _P, sample_weight="w"), TypeError, "sample_weight must be numeric"),
]


@pytest.mark.parametrize("call, error, message", ARGUMENTS, ids=[str(i) for i in range(len(ARGUMENTS))])
def test_bad_loss_arguments_are_named_before_any_work(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_keras_loss_arguments_are_accepted():
    """Keras's spellings: reduction None and "sum_over_batch_size", axis=-1, dtype, ignore_class=None."""
    assert Hinge(reduction=None).reduction == "none"
    assert BinaryCrossentropy(axis=-1, dtype="float32").get_config()["dtype"] == "float32"
    assert "dtype" not in BinaryCrossentropy().get_config()  # configs without it are unchanged
    loss = SparseCategoricalCrossentropy(ignore_class=None, axis=-1, name="scce", dtype=np.float64)
    assert losses.deserialize(losses.serialize(loss)).get_config() == loss.get_config()
    assert BinaryFocalCrossentropy(axis=-1).get_config() == BinaryFocalCrossentropy().get_config()


def test_sum_over_batch_size_is_accepted_as_mean():
    assert MeanSquaredError(reduction="sum_over_batch_size").reduction == "mean"


def test_focal_labels_must_be_probabilities():
    with pytest.raises(ValueError, match=r"labels in \[0, 1\]; y_true\[1\] is 2.0"):
        losses.binary_focal_crossentropy([0.0, 2.0], f64([0.5, 0.5]))


def test_empty_batch_costs_zero():
    y_pred = f64(np.zeros((0, 3)))
    cost = CategoricalCrossentropy(from_logits=True)(np.zeros((0, 3)), y_pred)
    cost.backward()
    assert cost.item() == 0.0 and y_pred.grad.shape == (0, 3)


@pytest.mark.parametrize("name", ["categorical_crossentropy", "sparse_categorical_crossentropy"])
def test_crossentropy_of_a_softmax_output_computes_from_its_logits(name):
    """As Keras does on TensorFlow: same value (moderate logits), one fused node, exact gradient."""
    from deepgrad.functional import softmax

    rng = np.random.default_rng(3)
    logits = f64(rng.normal(size=(5, 4)))
    labels = rng.integers(0, 4, 5)
    y_true = labels if name.startswith("sparse") else np.eye(4)[labels]
    fn = losses.get(name)
    shortcut = fn(y_true, softmax(logits))
    assert type(shortcut._ctx).__name__ != "Log"
    plain_probabilities = f64(softmax(dg.Tensor(logits.data)).numpy())  # no graph behind it
    plain = fn(y_true, plain_probabilities)
    np.testing.assert_allclose(shortcut.item(), plain.item(), rtol=1e-9)
    shortcut.backward()
    p = softmax(dg.Tensor(logits.data)).numpy()
    np.testing.assert_allclose(logits.grad, (p - np.eye(4)[labels]) / 5, rtol=1e-9, atol=1e-15)


# ---------------------------------------------------------------- value_and_gradient


def _graph_value_and_gradient(loss, y_true, y_pred, sample_weight):
    leaf = dg.Tensor(y_pred, requires_grad=True)
    value = loss(y_true, leaf, sample_weight=sample_weight)
    value.backward()
    return float(value.item()), leaf.grad


VALUE_AND_GRADIENT_CASES = {
    "sparse from logits": (lambda: dg.losses.SparseCategoricalCrossentropy(from_logits=True), "labels"),
    "sparse from logits, sum": (lambda: dg.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum"), "labels"),
    "sparse, probabilities": (lambda: dg.losses.SparseCategoricalCrossentropy(), "labels"),
    "categorical from logits, smoothed": (lambda: dg.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2), "one-hot"),
    "categorical from logits, sum": (lambda: dg.losses.CategoricalCrossentropy(from_logits=True, reduction="sum"), "one-hot"),
    "mean squared error": (lambda: dg.losses.MeanSquaredError(), "one-hot"),
    "binary from logits": (lambda: dg.losses.BinaryCrossentropy(from_logits=True), "one-hot"),
}


@pytest.mark.parametrize("case", sorted(VALUE_AND_GRADIENT_CASES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("weighted", [False, True, "one weight for all"])
@pytest.mark.parametrize("mode", ["numpy", "auto"])
def test_value_and_gradient_is_bitwise_the_graphs(case, dtype, weighted, mode):
    make, targets = VALUE_AND_GRADIENT_CASES[case]
    rng = np.random.default_rng(0)
    y_pred = (rng.standard_normal((7, 4)) * 3).astype(dtype)
    if case == "sparse, probabilities":
        y_pred = np.abs(y_pred) / np.abs(y_pred).sum(axis=1, keepdims=True)
    labels = rng.integers(0, 4, 7)
    y_true = labels if targets == "labels" else np.eye(4)[labels]
    w = None if not weighted else rng.random(7) if weighted is True else 0.5
    with dg.kernels.using(mode):
        value, grad = make().value_and_gradient(y_true, y_pred, sample_weight=w)
    expected_value, expected_grad = _graph_value_and_gradient(make(), y_true, y_pred, w)
    assert value == expected_value
    assert grad.dtype == expected_grad.dtype == np.dtype(dtype)
    assert grad.tobytes() == expected_grad.tobytes()


def test_value_and_gradient_checks_labels_and_needs_a_reduced_loss():
    loss = dg.losses.SparseCategoricalCrossentropy(from_logits=True)
    with pytest.raises(ValueError, match=r"y_true\[1\] is 5"):
        loss.value_and_gradient([0, 5], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="reduction='none'"):
        dg.losses.MeanSquaredError(reduction="none").value_and_gradient([1.0], np.array([0.0]))


@pytest.mark.parametrize("mode", ["numpy", "compiled"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_cross_entropy_gradient_is_the_graphs_on_hard_logits(mode, dtype, one_hot):
    """Spreads that floor exponentials to 0, ties, zeros of both signs, and rows with NaN and
    infinities: every value and gradient bit as the graph gives it, in either kernel mode."""
    if mode == "compiled" and not dg.kernels.available():
        pytest.skip("the C extension was not built")
    rng = np.random.default_rng(1)
    logits = (rng.standard_normal((64, 12)) * 60).astype(dtype)
    logits[1] = 0.0
    logits[2, ::2] = -0.0
    logits[3, 4] = np.nan
    logits[4, 0] = np.inf
    logits[5, 1] = -np.inf
    logits[6] = 1e30
    labels = rng.integers(0, 12, 64)
    y_true = np.eye(12)[labels] if one_hot else labels
    make = dg.losses.CategoricalCrossentropy if one_hot else dg.losses.SparseCategoricalCrossentropy
    for weights in (None, rng.random(64)):
        with dg.kernels.using(mode), np.errstate(all="ignore"):
            value, grad = make(from_logits=True).value_and_gradient(y_true, logits, sample_weight=weights)
            expected_value, expected_grad = _graph_value_and_gradient(make(from_logits=True), y_true, logits, weights)
        assert np.array_equal(value, expected_value, equal_nan=True)
        assert grad.tobytes() == expected_grad.tobytes()
        finite = np.isfinite(logits).all(axis=1)
        assert np.isfinite(grad[finite]).all()


@pytest.mark.skipif(not dg.kernels.available(), reason="the C extension was not built")
def test_the_softmax_kernels_refuse_what_they_cannot_take():
    from deepgrad.native import _softmax_cross_entropy as _closses

    z = np.zeros((3, 4), np.float32)
    args = [z, np.zeros(3, np.float32), np.zeros(3, np.float32), z, np.array([0, 1, 4]),
            np.float32(1.0), np.empty_like(z), np.empty(3, np.float32)]
    with pytest.raises(ValueError, match=r"label 4 of row 2 is not in \[0, 4\)"):
        _closses.softmax_ce_sparse(*args)
    args[4] = np.array([0, 1, 2], np.int32)
    with pytest.raises(ValueError, match="argument 4"):
        _closses.softmax_ce_sparse(*args)
    with pytest.raises(ValueError, match="argument 1"):
        _closses.softmax_shift(z, np.zeros((3, 4)), z.copy(), np.zeros((3, 4), bool), -20.0)
    with pytest.raises(TypeError, match="takes 5 arguments"):
        _closses.softmax_shift(z)
