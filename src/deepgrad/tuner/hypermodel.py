"""A model family to search: ``build(hp)`` makes one compiled model, ``fit(hp, model, ...)``
trains it (and may tune the batch size and the number of epochs).

>>> import deepgrad as dg
>>> class MLP(HyperModel):
...     def build(self, hp):
...         model = dg.Sequential([dg.layers.Input((4,)),
...                                dg.layers.Dense(hp.Int("units", 8, 32, step=8), activation="relu"),
...                                dg.layers.Dense(1)])
...         model.compile(optimizer="adam", loss="mse")
...         return model
...     def fit(self, hp, model, *args, **kwargs):
...         return model.fit(*args, batch_size=hp.Choice("batch_size", [16, 32]), **kwargs)
>>> from deepgrad.tuner import HyperParameters
>>> MLP().build(HyperParameters()).count_params()
49
"""

from __future__ import annotations

from ..common.checks import describe

__all__ = ["BuildError", "FunctionHyperModel", "HyperModel", "as_hypermodel", "checked_build"]


class BuildError(TypeError):
    """``build_model(hp)`` did not return a compiled model: the search stops at once."""


class HyperModel:
    """Subclass and define :meth:`build`; override :meth:`fit` to tune how the model trains.

    ``name`` and ``tunable`` are accepted as KerasTuner's are.
    """

    def __init__(self, name: str | None = None, tunable: bool = True):
        self.name = name
        self.tunable = tunable

    def build(self, hp):
        """Return a compiled model built from ``hp``'s values."""
        raise NotImplementedError("a HyperModel defines build(self, hp), returning a compiled model")

    def fit(self, hp, model, *args, **kwargs):
        """Train ``model``; ``args`` and ``kwargs`` are those given to ``search``. Returns the
        History, or the objective's value, or a dict of logged values."""
        return model.fit(*args, **kwargs)

    @property
    def fit_is_default(self) -> bool:
        """Whether :meth:`fit` draws no hyperparameters of its own."""
        return type(self).fit is HyperModel.fit


class FunctionHyperModel(HyperModel):
    """A ``build_model(hp)`` function as a :class:`HyperModel`."""

    def __init__(self, build_model):
        super().__init__(name=getattr(build_model, "__name__", None))
        self._build_model = build_model

    def build(self, hp):
        return self._build_model(hp)


def as_hypermodel(hypermodel) -> HyperModel:
    """A :class:`HyperModel` from a HyperModel or a ``build_model(hp)`` function."""
    from ..training.model import Model

    if isinstance(hypermodel, HyperModel):
        return hypermodel
    if isinstance(hypermodel, type) and issubclass(hypermodel, HyperModel):
        raise TypeError(f"hypermodel must be a HyperModel instance; got the class "
                        f"{hypermodel.__name__} (write {hypermodel.__name__}())")
    if isinstance(hypermodel, Model):
        raise TypeError("hypermodel must be the function build_model, not a model it built: "
                        "pass build_model, not build_model(hp)")
    if callable(hypermodel):
        return FunctionHyperModel(hypermodel)
    raise TypeError(f"hypermodel must be a function build_model(hp) returning a compiled model, "
                    f"or a HyperModel; got {describe(hypermodel)}")


def checked_build(hypermodel: HyperModel, hp, compiled: bool = True):
    """``hypermodel.build(hp)``, refusing anything but a deepgrad model (``compiled``: and
    compiled, which the default ``fit`` needs)."""
    from ..training.model import Model

    model = hypermodel.build(hp)
    if not isinstance(model, Model):
        raise BuildError(f"build_model(hp) must return a deepgrad model; it returned "
                         f"{describe(model)}" + (" (is `return model` missing?)" if model is None else ""))
    if compiled and not model.compiled:
        raise BuildError("build_model(hp) must return a compiled model: call model.compile(...) "
                         "before returning it (or pass optimizer= and loss= to the tuner)")
    return model
