"""Train the labeller's second opinion (`model.py`) on the project's labelled corpus.

Only the tuning corpus trains it (`labels_{lang}.tsv`, `labels_calls_{lang}.tsv`); the
never-tuned sets (`labels_heldout*`) stay out, so they still measure lines nobody tuned on.
Each line is cleaned as the labeller cleans it and goes to the model of the script it is written
in. The fit is scikit-learn's logistic regression (the `train` extra), deterministic for the same
data; the kind model's C was chosen by five-fold cross-validation over whole calls of the corpus
(4, 16, 64: 64).

The asks model (does the line ask at all?) also learns from the tuning half of a public set
(`../shared/data`; its measuring half stays out): CPED's dev set in Chinese (TV dialogue,
Apache-2.0), AnnoMI's in English (counselling talk). Trained on sales calls alone it heard
questions in plain talk (CPED's measuring half fell from 0.851 to 0.74; in English AnnoMI's fell
from 0.932 to 0.920); with the public half it holds CPED at 0.854 and AnnoMI at 0.928, and lifts the
never-tuned sales lines (English: sets 44–47 from 91.6 % to 93.3 % when it first shipped).
"""

import collections
from collections.abc import Callable
from pathlib import Path

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from scoring.evaluate import read_questions, read_tsv
from scoring.labeller.engine import RulesReading, read_by_rules
from scoring.labeller.model import Model, features, grams
from scoring.models import LABELS

TRAINING_FILES = ("labels_{lang}.tsv", "labels_calls_{lang}.tsv")
C = 64.0
MIN_COUNT = 2  # an n-gram seen once teaches nothing that generalises
PRUNE = 0.4  # n-grams whose weights all stay within this of zero are dropped (most of them): as good, and faster
MARGIN = 0.2
ASKS_C = 16.0
ASKS_MARGIN = 0.7  # the asks model overrules the rules only when it is 85 % sure
PUBLIC_TUNING = {"zh": "cped_dev.tsv", "en": "annomi_dev.tsv"}  # whose tuning half teaches the asks model, per language
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


def fit(rows: list[tuple[RulesReading, str]], lang: str, firm: frozenset[str] | None = None, c: float = C,
        margin: float = MARGIN, extra: dict | None = None) -> Model:
    """A model for `lang` from the rules' readings of lines and their labels (by default the kind
    model: the six labels of the corpus)."""
    values = [features(grams(reading.text, reading.focus, lang)) for reading, _ in rows]
    counts = collections.Counter(g for line in values for g in line)
    vectoriser = DictVectorizer()
    x = vectoriser.fit_transform([{g: v for g, v in line.items() if counts[g] >= MIN_COUNT} for line in values])
    labels = [label for _, label in rows]
    clf = LogisticRegression(C=c, max_iter=5000).fit(x, labels)
    classes = list(clf.classes_)
    names = tuple(name for name in (*LABELS, "asks") if name in classes)
    if len(classes) == 2:  # binary: one coefficient row, for the second class
        coef = {classes[0]: [0.0] * x.shape[1], classes[1]: list(clf.coef_[0])}
        intercept = {classes[0]: 0.0, classes[1]: float(clf.intercept_[0])}
    else:
        coef = {name: list(clf.coef_[classes.index(name)]) for name in names}
        intercept = {name: float(clf.intercept_[classes.index(name)]) for name in names}
    weights = {}
    for j, gram in enumerate(vectoriser.get_feature_names_out()):
        column = tuple(float(coef[name][j]) for name in names)
        if max(abs(w) for w in column) > PRUNE:
            weights[str(gram)] = column
    meta = {"lines": len(rows), "by_label": dict(sorted(collections.Counter(labels).items())), "C": c,
            "min_count": MIN_COUNT, "prune": PRUNE, "files": [f.format(lang=lang) for f in TRAINING_FILES],
            "firm_share": FIRM, "firm_lines": FIRM_LINES} | (extra or {})
    return Model(names, tuple(intercept[name] for name in names), weights, margin,
                 firm_rules(rows) if firm is None else firm, meta)


def public_rows(public_dir: Path, lang: str) -> list[tuple[RulesReading, str]]:
    """The tuning half of the language's public question set, as the rules read it: asks or statement."""
    qset = read_questions(public_dir / PUBLIC_TUNING[lang])
    return [(read_by_rules(r.text, lang), "asks" if r.question else "statement") for r in qset.rows
            if r.half == "tune"]


def fit_asks(rows: list[tuple[RulesReading, str]], public: list[tuple[RulesReading, str]], lang: str,
             firm: frozenset[str]) -> Model:
    """Whether a line asks, from the corpus (any label but statement asks) and the public tuning half."""
    both = [(reading, "statement" if label == "statement" else "asks") for reading, label in rows] + public
    return fit(both, lang, firm=firm, c=ASKS_C, margin=ASKS_MARGIN,
               extra={"public": PUBLIC_TUNING[lang], "public_half": "tune", "public_lines": len(public)})


def train(data_dir: Path, public_dir: Path, progress: Callable[[str], None] = lambda _: None) -> dict[str, Model]:
    """The models from the corpus in `data_dir` (and the public sets in `public_dir`), by the name
    of their weights file: zh, en (which kind of question), zh.asks (whether a line asks)."""
    progress("reading the corpus")
    rows = training_rows(data_dir)
    models = {}
    for lang, lang_rows in rows.items():
        progress(f"{lang}: fitting the kind model on {len(lang_rows)} lines")
        models[lang] = fit(lang_rows, lang)
        if lang in PUBLIC_TUNING:
            public = public_rows(public_dir, lang)
            progress(f"{lang}: fitting the asks model on {len(lang_rows) + len(public)} lines")
            models[f"{lang}.asks"] = fit_asks(lang_rows, public, lang, models[lang].firm)
    return models
