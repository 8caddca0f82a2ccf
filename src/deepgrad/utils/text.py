"""``Tokenizer``: text given as Python strings turned into integer sequences for ``Embedding``.

Words are lower-cased runs of letters, digits and apostrophes; index 0 is kept for padding
(``Embedding(mask_zero=True)`` skips it) and index 1 for words not in the vocabulary.

>>> tokenizer = Tokenizer(num_words=10).fit(["the cat sat", "the dog sat down"])
>>> tokenizer.texts_to_sequences(["the cat ran"])
[[2, 4, 1]]
>>> tokenizer.word_index["sat"], len(tokenizer)
(3, 7)
"""

from __future__ import annotations

import re
from collections import Counter

from ..common.checks import check_int, describe

__all__ = ["Tokenizer"]

_WORD = re.compile(r"[\w']+", re.UNICODE)
PADDING, UNKNOWN = 0, 1


def _texts(texts, name: str) -> list[str]:
    if isinstance(texts, str) or not hasattr(texts, "__iter__"):
        raise TypeError(f"{name} must be a list of strings; got {describe(texts)}")
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{name}[{i}] must be a string; got {describe(text)}")
    return texts


class Tokenizer:
    """A word vocabulary, most frequent first, fitted on a list of strings.

    Parameters
    ----------
    num_words : int, optional
        Keep the ``num_words - 2`` most frequent words (indices 2 and up); the rest map to 1.
    lower : bool, default True
        Lower-case the text first.
    """

    def __init__(self, num_words: int | None = None, lower: bool = True):
        self.num_words = None if num_words is None else check_int(num_words, "num_words", minimum=3)
        self.lower = bool(lower)
        self.word_index: dict[str, int] = {}
        self.word_counts: Counter = Counter()

    def words(self, text: str) -> list[str]:
        """The words of one text, as the vocabulary sees them."""
        return _WORD.findall(text.lower() if self.lower else text)

    def fit(self, texts) -> Tokenizer:
        """Count the words of ``texts`` and index them, most frequent first (ties in order of
        first appearance)."""
        for text in _texts(texts, "texts"):
            self.word_counts.update(self.words(text))
        ranked = sorted(self.word_counts.items(), key=lambda item: -item[1])  # stable
        keep = ranked if self.num_words is None else ranked[:self.num_words - 2]
        self.word_index = {word: index for index, (word, _) in enumerate(keep, start=2)}
        return self

    def texts_to_sequences(self, texts) -> list[list[int]]:
        """Each text as the indices of its words (1 for a word not in the vocabulary); pad
        them to one length with :func:`deepgrad.utils.pad_sequences`."""
        if not self.word_index:
            raise RuntimeError("the tokenizer has no vocabulary yet: call fit(texts) first")
        return [[self.word_index.get(word, UNKNOWN) for word in self.words(text)]
                for text in _texts(texts, "texts")]

    def sequences_to_texts(self, sequences) -> list[str]:
        """The words back, separated by spaces (padding dropped, unknown words as ``?``)."""
        words = {index: word for word, index in self.word_index.items()}
        return [" ".join(words.get(int(i), "?") for i in sequence if int(i) != PADDING)
                for sequence in sequences]

    def __len__(self) -> int:
        """The size an ``Embedding`` needs: ``input_dim = len(tokenizer)``."""
        return len(self.word_index) + 2
