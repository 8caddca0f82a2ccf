"""One name → object table per family: how every ``get`` in deepgrad turns a name into a thing.

Each family (activations, initializers, regularizers, losses, metrics, optimizers, schedules,
layers) builds one :class:`Registry` in its own module. An entry has one canonical snake_case
name and any number of explicit aliases (``"mse"``, ``"sgd"``). Lookup ignores case and the
separators ``_``, space and ``-``, so ``"mean_squared_error"``, ``"MeanSquaredError"`` (Keras's
class name) and ``"MSE"`` all find the same entry; two different objects may therefore never
share a spelling, and registering one that would raises at once.

An unknown name raises ``ValueError`` in one format for every family: the name, the closest
valid spelling, then every canonical name (sorted) and alias. Nothing is ever imported or
evaluated from a name: a registry holds only what deepgrad's own modules (and the user's code,
by defining a subclass) put in it, which is what keeps loading a model file safe.

This module imports nothing from deepgrad.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType

__all__ = ["ClassNameView", "Registry", "normalize", "snake_case"]

# Lower-case words (letters and digits) joined by single underscores.
_SNAKE_CASE = re.compile(r"[^\W_]+(?:_[^\W_]+)*\Z")
#: Keys Keras 3 writes next to "class_name" and "config"; they are read and never used.
_IGNORED_CONFIG_KEYS = ("module", "registered_name", "build_config", "compile_config")
_MISSING = object()


def normalize(name: str) -> str:
    """The key a name is looked up by: lower case, without ``_``, spaces and ``-``.

    >>> normalize("Mean_Squared-Error"), normalize("LeakyReLU")
    ('meansquarederror', 'leakyrelu')
    """
    return name.lower().replace("_", "").replace(" ", "").replace("-", "")


def snake_case(name: str) -> str:
    """A CamelCase class name in snake_case, by Keras's rule (so layers are named as Keras
    names them: a digit joins the capital after it).

    >>> snake_case("MeanSquaredError"), snake_case("KLDivergence"), snake_case("SGD")
    ('mean_squared_error', 'kl_divergence', 'sgd')
    >>> snake_case("Conv2DTranspose"), snake_case("MaxPooling2D"), snake_case("LeakyReLU")
    ('conv2d_transpose', 'max_pooling2d', 'leaky_re_lu')
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _describe(value) -> str:
    text = repr(value)
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{type(value).__name__} {text}"


def _label(obj) -> str:
    return getattr(obj, "__qualname__", None) or repr(obj)


class Registry(Mapping):
    """Canonical snake_case names → objects of one family, looked up by any spelling.

    As a read-only :class:`~collections.abc.Mapping` a registry holds exactly its canonical
    names (``"mse" in losses.LOSSES`` is False: it is an alias); :meth:`lookup` and
    :meth:`canonical` resolve any spelling of a name or alias.

    Parameters
    ----------
    family : str
        What the entries are, for messages: ``"loss"``, ``"learning-rate schedule"``.

    Examples
    --------
    >>> def relu(x):
    ...     return max(x, 0.0)
    >>> activations = Registry("activation")
    >>> activations.register("relu", relu, aliases=["rectifier"]) is relu
    True
    >>> activations.lookup("ReLU") is activations.lookup("RECTIFIER") is relu
    True
    >>> list(activations), dict(activations.aliases), activations.name_of(relu)
    (['relu'], {'rectifier': 'relu'}, 'relu')
    >>> activations.from_config({"class_name": "Relu", "config": None}) == (relu, {})
    True
    >>> activations.lookup("relu6")
    Traceback (most recent call last):
    ...
    ValueError: unknown activation 'relu6'. Did you mean 'relu'? Valid names: relu
    (aliases: rectifier = relu)
    """

    def __init__(self, family: str):
        if not isinstance(family, str) or not family:
            raise TypeError(f"family must be a non-empty str; got {_describe(family)}")
        self.family = family
        self._entries: dict[str, object] = {}  # canonical name → object
        self._aliases: dict[str, str] = {}  # alias → canonical name
        self._keys: dict[str, str] = {}  # normalized spelling → canonical name

    # ------------------------------------------------------------------ the Mapping
    def __getitem__(self, name: str):
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<Registry {self.family!r}: {len(self)} names, {len(self._aliases)} aliases>"

    @property
    def _with_article(self) -> str:
        """``"a loss"``, ``"an optimizer"``: the family with its article, for messages."""
        return f"{'an' if self.family[0] in 'aeiou' else 'a'} {self.family}"

    @property
    def aliases(self) -> Mapping[str, str]:
        """Alias → canonical name, a live read-only view."""
        return MappingProxyType(self._aliases)

    # ------------------------------------------------------------------ registering
    def register(self, name: str, obj, aliases: Iterable[str] = ()):
        """Enter ``obj`` under the canonical ``name`` and ``aliases``; return ``obj``.

        Registering the same object under the same name again only adds the new aliases.

        Raises
        ------
        ValueError
            If ``name`` or an alias is not snake_case, if a spelling of it (see
            :func:`normalize`) already belongs to a different object, or if ``obj`` is
            already registered under another canonical name.
        """
        aliases = [aliases] if isinstance(aliases, str) else list(aliases)
        for label, spelling in [("name", name)] + [("alias", alias) for alias in aliases]:
            valid = isinstance(spelling, str) and spelling == spelling.lower()
            if not (valid and _SNAKE_CASE.match(spelling)):
                raise ValueError(
                    f"{self._with_article} {label} must be snake_case (lower-case words of letters "
                    f"and digits joined by single underscores); got {_describe(spelling)}"
                )
            owner = self._keys.get(normalize(spelling))
            if owner is not None and self._entries[owner] is not obj:
                raise ValueError(
                    f"cannot register {spelling!r} for {_label(obj)} in the {self.family} "
                    f"registry: it is a spelling of {owner!r}, which is "
                    f"{_label(self._entries[owner])}"
                )
        existing = self.name_of(obj)
        if existing is not None and existing != name:
            raise ValueError(
                f"{_label(obj)} is already the {self.family} {existing!r}; register {name!r} as "
                f"one of its aliases instead"
            )
        self._entries[name] = obj
        self._keys[normalize(name)] = name
        for alias in aliases:
            if alias != name:
                self._aliases[alias] = name
                self._keys[normalize(alias)] = name
        return obj

    def register_class(self, cls: type, name: str | None = None) -> type:
        """Register ``cls`` under ``name`` (default: its class name in snake_case).

        This is what a base class's ``__init_subclass__`` calls. A class statement that runs
        again (same module and qualified name: a re-run notebook cell, a reloaded module)
        replaces the class it redefines. A class of the user's whose name is already taken (a
        ``Dense`` written to learn how one works) is left out, so the name keeps meaning the
        class already registered; between deepgrad's own classes a clash raises as in
        :meth:`register`.
        """
        if name is None:  # "_Private" and "My__Layer" become "private" and "my_layer"
            name = "_".join(word for word in snake_case(cls.__name__).split("_") if word)
        owner = self._keys.get(normalize(name))
        old = self._entries.get(owner) if owner is not None else None
        if (
            isinstance(old, type) and old is not cls
            and (old.__module__, old.__qualname__) == (cls.__module__, cls.__qualname__)
        ):
            self._entries[owner] = cls
            return cls
        if old is not None and old is not cls and not cls.__module__.startswith("deepgrad."):
            return cls
        return self.register(name, cls)

    def unregister(self, name: str):
        """Remove the entry that ``name`` (any spelling) finds, with its aliases; return it."""
        canonical = self.canonical(name)
        for alias in [a for a, target in self._aliases.items() if target == canonical]:
            del self._aliases[alias]
        for key in [k for k, target in self._keys.items() if target == canonical]:
            del self._keys[key]
        return self._entries.pop(canonical)

    # ------------------------------------------------------------------ looking up
    def canonical(self, name: str) -> str:
        """The canonical name that ``name`` (any spelling of a name or an alias) stands for.

        Raises
        ------
        ValueError
            For an unknown name: the message suggests the closest spelling and lists every
            valid name and alias.
        TypeError
            If ``name`` is not a str.
        """
        if not isinstance(name, str):
            raise TypeError(f"{self._with_article} name must be a str; got {_describe(name)}")
        canonical = self._keys.get(normalize(name))
        if canonical is None:
            raise ValueError(self._unknown(name))
        return canonical

    def lookup(self, name: str):
        """The object that ``name`` (any spelling of a name or an alias) stands for."""
        return self._entries[self.canonical(name)]

    def instance(self, name: str, /, **settings):
        """An instance of the class that ``name`` stands for, made with ``settings`` and
        otherwise its defaults.

        Raises
        ------
        ValueError
            For an unknown name, or a class that needs arguments beyond ``settings`` (the
            message names them and says how to pass them).
        """
        cls = self.lookup(name)
        if not isinstance(cls, type):
            raise TypeError(f"the {self.family} {self.canonical(name)!r} is not a class")
        needed = [
            parameter.name
            for parameter in inspect.signature(cls).parameters.values()
            if parameter.default is parameter.empty and parameter.name not in settings
            and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        ]
        if needed:
            raise ValueError(
                f"{cls.__name__} needs arguments ({', '.join(needed)}), so a name is not enough; "
                f"pass {{'class_name': {name!r}, 'config': {{...}}}} or an instance"
            )
        return cls(**settings)

    def name_of(self, obj) -> str | None:
        """The canonical name ``obj`` is registered under (compared by identity), or None."""
        for name, entry in self._entries.items():
            if entry is obj:
                return name
        return None

    def from_config(self, spec) -> tuple[object, dict]:
        """Read a Keras-style ``{"class_name": name, "config": dict}``: ``(object, config)``.

        ``config`` may be missing or None (an empty dict is returned); Keras 3's extra keys
        ``"module"`` and ``"registered_name"`` are accepted and ignored, so a name read from a
        file is only ever looked up here. The config returned is a new dict.

        Raises
        ------
        ValueError
            For anything but such a dict (the message says what came), or an unknown name.
        """
        expected = (
            f"{self._with_article} config must be a dict with 'class_name' and 'config' (a name "
            f"and a dict of settings; 'config' may be left out)"
        )
        if not isinstance(spec, dict) or not isinstance(spec.get("class_name"), str):
            raise ValueError(f"{expected}; got {_describe(spec)}")
        unexpected = sorted(set(spec) - {"class_name", "config", *_IGNORED_CONFIG_KEYS}, key=str)
        if unexpected:
            ignored = " and ".join(map(repr, _IGNORED_CONFIG_KEYS))
            raise ValueError(
                f"{expected}; got also {', '.join(map(repr, unexpected))} (the only other keys "
                f"accepted, and ignored, are Keras's {ignored})"
            )
        config = spec.get("config")
        if config is None:
            config = {}
        if not isinstance(config, dict):
            raise ValueError(
                f"the 'config' of {spec['class_name']!r} must be a dict of settings or None; got "
                f"{_describe(config)}"
            )
        return self.lookup(spec["class_name"]), dict(config)

    def by_class_name(self) -> ClassNameView:
        """A live read-only view ``{class.__name__: class}`` of a registry of classes."""
        return ClassNameView(self)

    def _unknown(self, name: str) -> str:
        spellings = {normalize(n): n for n in [*self._aliases, *self._entries]}
        close = difflib.get_close_matches(normalize(name), list(spellings), n=1)
        hint = f" Did you mean {spellings[close[0]]!r}?" if close else ""
        names = ", ".join(sorted(self._entries)) or "none yet"
        pairs = sorted(self._aliases.items())
        aliases = ", ".join(f"{alias} = {target}" for alias, target in pairs)
        return (
            f"unknown {self.family} {name!r}.{hint} Valid names: {names}"
            + (f" (aliases: {aliases})" if aliases else "")
        )


class ClassNameView(Mapping):
    """``{class.__name__: class}`` over a :class:`Registry` of classes, kept up to date.

    For code that keys classes by Keras's ``class_name``; :meth:`pop` unregisters.

    >>> class Huber:
    ...     pass
    >>> losses = Registry("loss")
    >>> _ = losses.register("huber", Huber)
    >>> view = losses.by_class_name()
    >>> list(view), view["Huber"] is Huber
    (['Huber'], True)
    >>> view.pop("Huber") is Huber, len(losses)
    (True, 0)
    """

    def __init__(self, registry: Registry):
        self._registry = registry

    def __getitem__(self, class_name: str) -> type:
        for cls in self._registry.values():
            if getattr(cls, "__name__", None) == class_name:
                return cls
        raise KeyError(class_name)

    def __iter__(self) -> Iterator[str]:
        return (cls.__name__ for cls in list(self._registry.values()))

    def __len__(self) -> int:
        return len(self._registry)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self)!r})"

    def pop(self, class_name: str, default=_MISSING):
        """Unregister the class named ``class_name`` and return it (or ``default``)."""
        if class_name not in self:
            if default is _MISSING:
                raise KeyError(class_name)
            return default
        return self._registry.unregister(self._registry.name_of(self[class_name]))
