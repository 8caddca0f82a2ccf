"""scikit-learn estimators: deepgrad networks and the classic models in Pipelines and searches.

``import deepgrad`` never imports this module (scikit-learn is an optional extra). All four
estimators pass ``sklearn.utils.estimator_checks``:

- :class:`NeuralNetClassifier`, :class:`NeuralNetRegressor`: a float64 deepgrad ``Sequential``
  of ``Dense`` (and ``Dropout``) layers built in ``fit``; the output layer follows the task
  (2 classes: 1 sigmoid unit, binary cross-entropy; more: softmax, sparse categorical
  cross-entropy; regression: one linear unit per output, MSE).
- :class:`PerceptronClassifier`, :class:`LogisticRegressionClassifier`: subclasses of the
  :mod:`deepgrad.classic` models (same parameters and attributes) that add scikit-learn's input
  validation and tags, so that the classic module itself never imports scikit-learn.

``alpha`` is scikit-learn's L2 strength mapped onto deepgrad's Keras-style ``L2`` (``l2·Σw²``, no
½): every kernel gets ``L2(l2 = alpha / (2·n_samples))``, ``n_samples`` being the training rows
of the call, so the objective is scikit-learn's documented ``loss + alpha/(2·n_samples)·‖W‖²``;
biases are not penalised. (scikit-learn's MLP divides by the mini-batch size instead, a penalty
``n_samples/batch_size`` times stronger.)
"""

from .classic import LogisticRegressionClassifier, PerceptronClassifier
from .neural_net import NeuralNetClassifier, NeuralNetRegressor

__all__ = ["LogisticRegressionClassifier", "NeuralNetClassifier", "NeuralNetRegressor",
           "PerceptronClassifier"]
