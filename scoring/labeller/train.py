"""Train the labeller's second opinion (`model.py`) on the project's labelled corpus.

Only the tuning corpus trains it (`labels_{lang}.tsv`, `labels_calls_{lang}.tsv`); the
never-tuned sets (`labels_heldout*`) stay out, so they still measure lines nobody tuned on.
Each line is cleaned as the labeller cleans it and goes to the model of the script it is written
in. The fit is scikit-learn's logistic regression (the `train` extra), deterministic for the same
data; C was chosen by five-fold cross-validation over whole calls of the corpus (4, 16, 64: 64).
"""

import collections
from collections.abc import Callable
from pathlib import Path

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from scoring.evaluate import read_tsv
from scoring.labeller.engine import RulesReading, read_by_rules
from scoring.labeller.model import Model, features, grams
from scoring.models import LABELS

TRAINING_FILES = ("labels_{lang}.tsv", "labels_calls_{lang}.tsv")
C = 64.0
MIN_COUNT = 2  # an n-gram seen once teaches nothing that generalises
PRUNE = 0.2  # n-grams whose weights all stay within this of zero are dropped (about 60 % of them)
MARGIN = 0.2
FIRM = 0.98  # a rule right on this share of the corpus lines it decides (and on at least FIRM_LINES) stands
FIRM_LINES = 20


def training_rows(data_dir: Path) -> dict[str, list[tuple[RulesReading, str]]]:
    """Each corpus line as the rules read it, with its human label, per script."""
    rows: dict[str, list[tuple[RulesReading, str]]] = {"zh": [], "en": []}
    for lang in list(rows):
        for name in TRAINING_FILES:
            for row in read_tsv(data_dir / name.format(lang=lang)):
                reading = read_by_rules(row.text, lang)
                rows[reading.lang].append((reading, row.label))
    return rows


def firm_rules(rows: list[tuple[RulesReading, str]]) -> frozenset[str]:
    """Rules the corpus shows nearly always right: the model may not overrule them."""
    fired: collections.Counter[str] = collections.Counter()
    right: collections.Counter[str] = collections.Counter()
    for reading, label in rows:
        fired[reading.verdict.rule] += 1
        right[reading.verdict.rule] += reading.verdict.label == label
    return frozenset(r for r, n in fired.items() if n >= FIRM_LINES and right[r] / n >= FIRM)


def fit(rows: list[tuple[RulesReading, str]], lang: str) -> Model:
    """A model for `lang` from the rules' readings of corpus lines and their human labels."""
    values = [features(grams(reading.text, reading.focus, lang)) for reading, _ in rows]
    counts = collections.Counter(g for line in values for g in line)
    vectoriser = DictVectorizer()
    x = vectoriser.fit_transform([{g: v for g, v in line.items() if counts[g] >= MIN_COUNT} for line in values])
    labels = [label for _, label in rows]
    clf = LogisticRegression(C=C, max_iter=5000).fit(x, labels)
    order = [list(clf.classes_).index(name) for name in LABELS if name in clf.classes_]
    names = tuple(clf.classes_[i] for i in order)
    weights = {}
    for j, gram in enumerate(vectoriser.get_feature_names_out()):
        column = tuple(float(clf.coef_[i, j]) for i in order)
        if max(abs(w) for w in column) > PRUNE:
            weights[str(gram)] = column
    meta = {"lines": len(rows), "by_label": dict(sorted(collections.Counter(labels).items())), "C": C,
            "min_count": MIN_COUNT, "prune": PRUNE, "files": [f.format(lang=lang) for f in TRAINING_FILES],
            "firm_share": FIRM, "firm_lines": FIRM_LINES}
    return Model(names, tuple(float(clf.intercept_[i]) for i in order), weights, MARGIN, firm_rules(rows), meta)


def train(data_dir: Path, progress: Callable[[str], None] = lambda _: None) -> dict[str, Model]:
    """Both languages' models from the corpus in `data_dir`."""
    progress("reading the corpus")
    rows = training_rows(data_dir)
    models = {}
    for lang, lang_rows in rows.items():
        progress(f"{lang}: fitting on {len(lang_rows)} lines")
        models[lang] = fit(lang_rows, lang)
    return models
