"""The labeller's second opinion: linear models learned from the project's labelled corpus.

The rules read a line by its grammar and explain themselves with the method's words; they were
written one shape at a time and miss shapes nobody wrote a rule for (a new author's regional
speech, a leading question put as a plain one). The labelled corpus holds those shapes by the
thousand. Logistic models over character n-grams (zh) or word n-grams (en), trained by
`peilian train-labeller` (train.py), read every line too:

- the kind model (`weights/{lang}.tsv`, the six labels) may say which kind of question a line asks;
- the asks model (`weights/{lang}.asks.tsv`, statement or asks) may say whether it asks.

Where one prefers another label by more than its file's `margin` in probability, its label stands
and the reason names the n-grams that tipped it; a firm rule (one the corpus shows nearly always
right, such as 请… as a request) is never overruled. A weights file is a JSON header line (labels,
intercepts, margin, firm rules, how it was trained), then one n-gram and its weights per line.
Deterministic: the same line always gets the same label.
"""

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WEIGHTS_DIR = Path(__file__).parent / "weights"
_EN_TOKENS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?!,.]")
_FOCUS = "L:"
# A gram's weights packed into one integer, one 64-bit field per label, so that a line's scores are
# one sum of integers in C rather than a sum per label (the hottest loop of a cold reading). Weights
# count to the four decimals a weights file keeps (`write_model`); every field carries a bias that
# keeps it from going negative under any sum of fewer than 2**32 n-grams. Integer sums are exact,
# so the scores do not depend on the order a set of n-grams is walked in.
_SCALE = 10_000
_FIELD = 64
_MASK = (1 << _FIELD) - 1
_BIAS = 1 << 32


def _grams(text: str, lang: str) -> frozenset[str]:
    text = text.lower()
    if lang == "zh":
        s = "^" + text.replace(" ", "_") + "$"
        return frozenset((*s, *[s[i:i + 2] for i in range(len(s) - 1)], *[s[i:i + 3] for i in range(len(s) - 2)]))
    w = ["^", *_EN_TOKENS.findall(text), "$"]
    return frozenset((*w, *map(_SPACED, zip(w, w[1:])), *map(_SPACED, zip(w, w[1:], w[2:]))))


_SPACED = " ".join


def grams(text: str, focus: str, lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """The n-grams (1 to 3) of a cleaned line, with ^ and $ marking its start and end: characters in
    Chinese (no segmenter: 王总和采购 would mis-split), lower-cased words and marks in English. Where
    the customer would answer (`focus`: the last clause of the rules' asking sentence, else of the
    last one) brings its own n-grams, marked "L:", when the line has more than it: the last
    question decides, and weighs as much as the rest of a long line put together."""
    line = _grams(text, lang)
    if not focus or focus == text:
        return line, frozenset()
    return line, frozenset(map(_FOCUS.__add__, _grams(focus, lang)))


def features(line_grams: tuple[frozenset[str], frozenset[str]]) -> dict[str, float]:
    """Each n-gram's value: 1/sqrt(the count of its group), so a line and its focus each weigh one."""
    out: dict[str, float] = {}
    for group in line_grams:
        if group:
            out.update(dict.fromkeys(group, 1 / math.sqrt(len(group))))
    return out


def shown(gram: str) -> str:
    """An n-gram as a reader sees it: the sentence and start and end marks dropped, a space for the pause mark."""
    return gram.removeprefix(_FOCUS).strip("^$ ").replace("_", " ").strip()


@dataclass(frozen=True)
class Opinion:
    """A model's label for a line, and the n-grams that favour it (the reason's words)."""

    label: str
    cues: tuple[str, ...]


@dataclass(frozen=True)
class Model:
    labels: tuple[str, ...]
    intercept: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    margin: float
    firm: frozenset[str]  # rules right on at least FIRM of the corpus lines they read (train.py): they stand
    meta: dict

    def probabilities(self, line_grams: tuple[frozenset[str], frozenset[str]]) -> dict[str, float]:
        """Softmax of the scores (`features` gives each n-gram's value)."""
        return read_together((self,), line_grams)[0]

    def cues(self, line_grams: tuple[frozenset[str], frozenset[str]], label: str, against: str,
             k: int = 3) -> tuple[str, ...]:
        """The n-grams that most favour `label` over `against`, longest reading first among equals."""
        i, j = self.labels.index(label), self.labels.index(against)
        pull = sorted(((v * (w[i] - w[j]), g) for g, v in features(line_grams).items()
                       if (w := self.weights.get(g)) is not None),
                      key=lambda t: (-t[0], -len(t[1]), t[1]))
        out: list[str] = []
        for delta, g in pull:
            text = shown(g)
            if delta <= 0 or len(out) == k:
                break
            if text and not any(text in seen or seen in text for seen in out):
                out.append(text)
        return tuple(out)

    def opinion(self, line_grams: tuple[frozenset[str], frozenset[str]], label: str, rule: str,
                among: tuple[str, ...] | None = None, probs: dict[str, float] | None = None) -> Opinion | None:
        """The model's label (one of `among`, by default any) when it beats the rules' `label` by
        more than the margin; None when it agrees, is not sure enough, or `rule` is firm. `probs`:
        its probabilities for the line, when read already (`read_together`)."""
        if rule in self.firm:
            return None
        probs = probs or self.probabilities(line_grams)
        best = max(among or self.labels, key=lambda name: probs[name])
        lead = probs[best] - probs.get(label, 0.0)
        if best == label or lead <= self.margin:
            return None
        return Opinion(best, self.cues(line_grams, best, label))

    def best(self, line_grams: tuple[frozenset[str], frozenset[str]], among: tuple[str, ...],
             probs: dict[str, float] | None = None) -> Opinion:
        """The likeliest of `among`, and the n-grams that favour it over the least likely."""
        probs = probs or self.probabilities(line_grams)
        ranked = sorted(among, key=lambda name: -probs[name])
        return Opinion(ranked[0], self.cues(line_grams, ranked[0], ranked[-1]))


_TOGETHER: dict[tuple[int, ...], tuple[tuple[Model, ...], dict[str, int]]] = {}


def _packed(models: tuple[Model, ...]) -> dict[str, int]:
    """Each n-gram's weights in `models`, one 64-bit field per label of each model in turn, as one
    integer (see `_SCALE`); an n-gram one model lacks weighs nothing there. Kept for the process
    (the models it was made from with it, so their ids name them)."""
    key = tuple(map(id, models))
    kept = _TOGETHER.get(key)
    if kept is None:
        zero = tuple(tuple(0.0 for _ in m.labels) for m in models)
        shifts = range(0, _FIELD * sum(len(m.labels) for m in models), _FIELD)
        packed = {}
        for gram in set().union(*(m.weights for m in models)):
            weights = [w for m, none in zip(models, zero) for w in m.weights.get(gram, none)]
            packed[gram] = sum((round(w * _SCALE) + _BIAS) << shift for w, shift in zip(weights, shifts))
        kept = _TOGETHER[key] = (models, packed)
    return kept[1]


def read_together(models: tuple[Model, ...], line_grams: tuple[frozenset[str], frozenset[str]]) -> list[dict[str, float]]:
    """Each model's probabilities for one line (softmax of its scores; `features` gives each n-gram's
    value), from one look-up of each n-gram for all of them: the look-ups in tables of tens of
    thousands of n-grams are most of a reading's cost, and the sums of packed integers are exact."""
    packed = _packed(models)
    scores = [s for m in models for s in m.intercept]
    for group in line_grams:
        present = list(filter(None, map(packed.get, group)))
        if present:
            value = 1 / math.sqrt(len(group)) / _SCALE
            total, bias = sum(present), len(present) * _BIAS
            scores = [s + value * (((total >> shift) & _MASK) - bias)
                      for s, shift in zip(scores, range(0, _FIELD * len(scores), _FIELD))]
    out, start = [], 0
    for m in models:
        own = scores[start:start + len(m.labels)]
        start += len(m.labels)
        top = max(own)
        exps = [math.exp(s - top) for s in own]
        total = sum(exps)
        out.append({name: e / total for name, e in zip(m.labels, exps)})
    return out


def read_model(path: Path) -> Model:
    """A weights file: a JSON header line, then `n-gram<TAB>weight…` lines in the header's label order."""
    with open(path, encoding="utf-8") as fh:
        meta = json.loads(fh.readline())
        weights = {}
        for line in fh:
            gram, *values = line.rstrip("\n").split("\t")
            weights[gram] = tuple(float(v) for v in values)
    labels = tuple(meta["labels"])
    bad = [g for g, w in weights.items() if len(w) != len(labels)]
    if bad:
        raise ValueError(f"{path}: n-gram {bad[0]!r} has not one weight per label ({len(labels)})")
    return Model(labels, tuple(meta["intercept"]), weights, float(meta["margin"]), frozenset(meta["firm"]), meta)


def write_model(model: Model, path: Path) -> None:
    """Write `model` as `read_model` reads it, n-grams sorted so a retrain shows as a readable diff."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = model.meta | {"labels": list(model.labels), "intercept": list(model.intercept), "margin": model.margin,
                           "firm": sorted(model.firm)}
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(json.dumps(header, ensure_ascii=False, sort_keys=True) + "\n")
        for gram in sorted(model.weights):
            fh.write(gram + "\t" + "\t".join(f"{round(w, 4):g}" for w in model.weights[gram]) + "\n")


@cache
def load_model(lang: str) -> Model:
    """The shipped model of which kind of question a `lang` (zh or en) line asks, read once."""
    return read_model(WEIGHTS_DIR / f"{lang}.tsv")


@cache
def load_asks(lang: str) -> Model | None:
    """The shipped model of whether a `lang` line asks at all (labels statement / asks), read once;
    None where none ships (then the rules alone decide)."""
    path = WEIGHTS_DIR / f"{lang}.asks.tsv"
    return read_model(path) if path.exists() else None
