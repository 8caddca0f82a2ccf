"""Sentiment of short reviews with a bidirectional LSTM: word order and negation matter.

The reviews are generated from a small grammar, seeded: "the soup was not bad", "the staff
were rude but the view was really lovely", "the room was great and the price was fair". A
clause's sentiment is its adjective's, flipped by "not" or "never"; with "but" the review means
what its second clause says. So the same words can make either label — "not good but great" is
positive, "great but not good" negative — and a model must read them in order. ``Tokenizer``
turns the texts into word indices, ``pad_sequences`` pads them with 0 at the end, and
``Embedding(mask_zero=True)`` tells the LSTMs to carry their state over the padding. The
``Bidirectional`` wrapper reads each review forwards and backwards and joins the two summaries.

    python examples/bidirectional_sentiment.py
"""

import numpy as np

import deepgrad as dg
from deepgrad.layers import (
    LSTM,
    Bidirectional,
    Dense,
    Embedding,
    GlobalAveragePooling1D,
    Input,
)
from deepgrad.utils import Tokenizer, pad_sequences

SEED, EPOCHS, BAR = 0, 8, 0.95
NOUNS = ("soup", "staff", "room", "view", "price", "service", "coffee", "bed")
GOOD = ("good", "great", "lovely", "fair", "excellent", "friendly")
BAD = ("bad", "awful", "rude", "dirty", "terrible", "slow")
NEGATIONS = ("not", "never")
ADVERBS = ("really", "very", "quite")


def clause(rng: np.random.Generator) -> tuple[str, int]:
    """One clause and its sentiment (1 positive, 0 negative)."""
    positive = rng.random() < 0.5
    words = ["the", rng.choice(NOUNS), rng.choice(("was", "is"))]
    negated = rng.random() < 0.4
    if negated:
        words.append(rng.choice(NEGATIONS))
    if rng.random() < 0.3:
        words.append(rng.choice(ADVERBS))
    words.append(rng.choice(GOOD if positive else BAD))
    return " ".join(words), int(positive != negated)


def review(rng: np.random.Generator) -> tuple[str, int]:
    first, label = clause(rng)
    kind = rng.choice(("one", "and", "but"))
    if kind == "one":
        return first, label
    second, second_label = clause(rng)
    if kind == "and":  # "and" joins clauses that agree
        while second_label != label:
            second, second_label = clause(rng)
    return f"{first} {kind} {second}", second_label


rng = np.random.default_rng(SEED)  # the data
dg.set_seed(SEED)  # the initial weights and shuffling
texts, labels = zip(*(review(rng) for _ in range(3000)))
labels = np.array(labels, dtype=np.float32)
tokenizer = Tokenizer().fit(texts[:2000])
sequences = pad_sequences(tokenizer.texts_to_sequences(texts), padding="post")
x_train, y_train = sequences[:2000], labels[:2000]
x_test, y_test = sequences[2000:], labels[2000:]
vocabulary = len(tokenizer.word_index) + 2  # + padding (0) and unknown (1)
print(f"{len(x_train)} training and {len(x_test)} test reviews, {vocabulary} word indices, "
      f"padded to {sequences.shape[1]} words; {labels.mean():.0%} positive")

model = dg.Sequential([
    Input((sequences.shape[1],)),
    Embedding(vocabulary, 16, mask_zero=True, seed=SEED),
    Bidirectional(LSTM(16, seed=SEED)),
    Dense(1, activation="sigmoid", seed=SEED),
], name="bidirectional_lstm")
# the same words without their order: the mean of the word vectors
bag_of_words = dg.Sequential([
    Input((sequences.shape[1],)),
    Embedding(vocabulary, 16, seed=SEED),
    GlobalAveragePooling1D(),
    Dense(16, activation="relu", seed=SEED),
    Dense(1, activation="sigmoid", seed=SEED),
], name="bag_of_words")
accuracies = {}
for network in (model, bag_of_words):
    network.compile(dg.optimizers.Adam(learning_rate=0.01), "binary_crossentropy",
                    metrics=["accuracy"])
    network.fit(x_train, y_train, batch_size=32, epochs=EPOCHS, verbose=0, seed=SEED)
    _, accuracies[network.name] = network.evaluate(x_test, y_test)
    print(f"{network.name:18s} {network.count_params():>6,} parameters, test accuracy "
          f"{accuracies[network.name]:.4f}")
accuracy = accuracies["bidirectional_lstm"]

print()
checks = ["the soup was not good but the view was great",
          "the view was great but the soup was not good",
          "the staff was never rude",
          "the bed was really dirty and the room was awful"]
probabilities = model.predict(pad_sequences(tokenizer.texts_to_sequences(checks),
                                            maxlen=sequences.shape[1], padding="post"),
                              verbose=0)[:, 0]
for text, p in zip(checks, probabilities):
    print(f"  {p:.2f} positive  {text!r}")
print()
print(f"the bidirectional LSTM beats the bag of words: "
      f"{accuracy > accuracies['bag_of_words']}")
print(f"the bidirectional LSTM meets the {BAR} bar: {accuracy >= BAR}")
