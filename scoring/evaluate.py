"""Agreement of the labeller with human labels: the 95 % bar of DESIGN 5, measured.

Rows are (text, label, topic, note) as in tests/data/labels_*.tsv; a note that starts with
"pitch" (after an optional source tag "heldout:") marks a line that talks up the product, and
a note containing "known_fail" marks a line the labeller is known to get wrong (the corpus
test reports it as an expected failure). `peilian classify --eval FILE` prints
`evaluate(read_tsv(FILE), lang).format()`.

The same command reads two public question sets (../shared/data: AnnoMI, English counselling
talk; CPED, unpunctuated Chinese TV dialogue) and reports question detection instead: does
the labeller hear that a line asks a question (any label but statement)? `read_questions`
reads them, splits each into a tuning half and a measuring half (AnnoMI by transcript,
CPED by row parity), and `evaluate_questions` scores the labeller beside a trivial baseline:
"contains ?" in English, a one-line particle and question-word rule in Chinese (ZH_BASELINE).
"""

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from scoring.labeller import label
from scoring.models import LABELS


@dataclass(frozen=True)
class Row:
    text: str
    label: str
    topic: str | None = None
    note: str = ""

    @property
    def pitch(self) -> bool:
        return self.note.lower().removeprefix("heldout:").lstrip().startswith("pitch")

    @property
    def known_fail(self) -> bool:
        return "known_fail" in self.note


@dataclass(frozen=True)
class Miss:
    text: str
    gold: str
    predicted: str
    rule: str
    gold_topic: str | None = None
    predicted_topic: str | None = None


@dataclass
class LabelStats:
    support: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.support if self.support else 1.0


@dataclass
class EvalReport:
    lang: str
    total: int = 0
    correct: int = 0
    per_label: dict[str, LabelStats] = field(default_factory=lambda: {name: LabelStats() for name in LABELS})
    confusion: dict[str, dict[str, int]] = field(default_factory=lambda: {g: {p: 0 for p in LABELS} for g in LABELS})
    topic_total: int = 0
    topic_correct: int = 0
    pitch_total: int = 0
    pitch_correct: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0

    @property
    def topic_accuracy(self) -> float:
        """Among exploratory lines labelled exploratory, how often the topic agrees."""
        return self.topic_correct / self.topic_total if self.topic_total else 1.0

    @property
    def pitch_recall(self) -> float:
        return self.pitch_correct / self.pitch_total if self.pitch_total else 1.0

    def format(self) -> str:
        """A plain-text table: per-label precision/recall, the confusion matrix, the misses."""
        out = [f"language {self.lang}: {self.correct}/{self.total} agree, accuracy {self.accuracy:.1%}",
               f"topic accuracy {self.topic_accuracy:.1%} ({self.topic_correct}/{self.topic_total}), "
               f"pitch recall {self.pitch_recall:.1%} ({self.pitch_correct}/{self.pitch_total})", "",
               f"{'label':<20}{'support':>8}{'precision':>11}{'recall':>8}"]
        for name, st in self.per_label.items():
            out.append(f"{name:<20}{st.support:>8}{st.precision:>11.1%}{st.recall:>8.1%}")
        short = {n: n[:6] for n in LABELS} | {"commitment_request": "commit"}
        out += ["", "confusion (rows: human, columns: labeller)",
                f"{'':<20}" + "".join(f"{short[p]:>8}" for p in LABELS)]
        for gold, row in self.confusion.items():
            out.append(f"{gold:<20}" + "".join(f"{row[p]:>8}" for p in LABELS))
        if self.misses:
            out += ["", "disagreements"]
            for m in self.misses:
                topics = f" topic {m.gold_topic}->{m.predicted_topic}" if m.gold == m.predicted else ""
                out.append(f"  {m.gold} -> {m.predicted}{topics}  [{m.rule}]  {m.text}")
        return "\n".join(out)


def read_tsv(path: str | Path) -> list[Row]:
    """Rows of a labels file: a header, then text, label, topic (may be empty), note."""
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for i, cells in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)):
            if i == 0 or not cells or not cells[0].strip():
                continue
            cells += [""] * (4 - len(cells))
            if cells[1] not in LABELS:
                raise ValueError(f"{path}: line {i + 1}: label {cells[1]!r} is not one of {', '.join(LABELS)}")
            rows.append(Row(cells[0], cells[1], cells[2] or None, cells[3]))
    return rows


def _row(item: Row | Sequence[str]) -> Row:
    if isinstance(item, Row):
        return item
    cells = list(item) + [""] * (4 - len(item))
    return Row(cells[0], cells[1], cells[2] or None, cells[3] or "")


def evaluate(rows: Iterable[Row | Sequence[str]], lang: str) -> EvalReport:
    """Label every row's text and compare with its human label (and topic, and pitch)."""
    report = EvalReport(lang=lang)
    for item in rows:
        row = _row(item)
        got = label(row.text, lang)
        report.total += 1
        report.per_label[row.label].support += 1
        report.per_label[got.label].predicted += 1
        report.confusion[row.label][got.label] += 1
        topic_miss = False
        if row.label == got.label:
            report.correct += 1
            report.per_label[row.label].correct += 1
            if row.label == "exploratory" and row.topic:
                report.topic_total += 1
                report.topic_correct += row.topic == got.topic
                topic_miss = row.topic != got.topic
        if row.pitch:
            report.pitch_total += 1
            report.pitch_correct += got.pitch
        if row.label != got.label or topic_miss:
            report.misses.append(Miss(row.text, row.label, got.label, got.rule, row.topic, got.topic))
    return report


# ---- question detection on the shared question sets (AnnoMI, CPED)

Format = Literal["labels", "annomi", "cped"]
Half = Literal["tune", "measure"]
HALVES: tuple[Half, ...] = ("tune", "measure")

# The trivial Chinese rule to beat, in one line: a question mark, a sentence-final particle,
# a question word or an A-not-A form anywhere in the line.
ZH_BASELINE = r"[?？]|[吗吧呢么]$|什么|怎么|为什么|谁|哪|多少|几|是不是|有没有"
_ZH_BASELINE = re.compile(ZH_BASELINE)
BASELINES = {"en": 'contains "?"', "zh": f"re.search(r'{ZH_BASELINE}', line)"}


def baseline_asks(text: str, lang: str) -> bool:
    """The trivial rule: "contains ?" in English, ZH_BASELINE in Chinese."""
    if lang == "en":
        return "?" in text
    return _ZH_BASELINE.search(text.strip()) is not None


@dataclass(frozen=True)
class QuestionRow:
    text: str
    question: bool  # gold: the line asks a question
    half: Half
    group: str = ""  # the transcript (AnnoMI) or the row number (CPED)


@dataclass(frozen=True)
class QuestionSet:
    name: str
    format: Format
    lang: str
    rows: tuple[QuestionRow, ...]
    left_out: int = 0  # AnnoMI reflections: left out of both sides (README)
    malformed: int = 0  # lines that are not a row of the format (a stray line break in the source)


def table_format(path: str | Path) -> Format:
    """Which TSV this is, from its header: our labels (text, label, …), AnnoMI or CPED."""
    with open(path, encoding="utf-8", newline="") as fh:
        header = fh.readline().rstrip("\r\n").split("\t")
    names = [h.strip().lower() for h in header]
    if {"transcript", "question", "reflection", "text"} <= set(names):
        return "annomi"
    if names[:2] == ["question", "text"]:
        return "cped"
    return "labels"


def read_questions(path: str | Path, fmt: Format | None = None) -> QuestionSet:
    """The rows of an AnnoMI or CPED file (see ../shared/data/README.md) with their half.

    AnnoMI: the transcripts in id order alternate between the halves (first, third, … tune);
    reflections are left out of both sides. CPED: even data rows tune, odd rows measure."""
    fmt = fmt or table_format(path)
    if fmt == "labels":
        raise ValueError(f"{path}: a labels file, not a question set (read it with read_tsv)")
    with open(path, encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    header = [h.strip().lower() for h in table[0]]
    col = {name: i for i, name in enumerate(header)}
    parsed: list[tuple[str, bool, str, bool]] = []  # text, question, group, reflection
    malformed = 0
    for n, cells in enumerate(table[1:], start=2):
        if not cells or not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header) or cells[col["question"]] not in ("0", "1"):
            malformed += 1
            continue
        group = cells[col["transcript"]] if fmt == "annomi" else str(n)
        reflection = fmt == "annomi" and cells[col["reflection"]] == "1"
        parsed.append((cells[col["text"]], cells[col["question"]] == "1", group, reflection))
    if fmt == "annomi":
        order = sorted({g for _, _, g, _ in parsed}, key=lambda g: (not g.isdigit(), int(g) if g.isdigit() else 0, g))
        rank = {g: i for i, g in enumerate(order)}
        half_of = {g: HALVES[rank[g] % 2] for g in order}
    else:
        half_of = {g: HALVES[i % 2] for i, (_, _, g, _) in enumerate(parsed)}
    rows = tuple(QuestionRow(text, question, half_of[group], group)
                 for text, question, group, reflection in parsed if not reflection)
    lang = "en" if fmt == "annomi" else "zh"
    return QuestionSet(Path(path).name, fmt, lang, rows, sum(r for *_, r in parsed), malformed)


@dataclass
class Detection:
    """Counts of "the line asks a question" against the gold."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, gold: bool, said: bool) -> None:
        if gold:
            self.tp, self.fn = self.tp + said, self.fn + (not said)
        else:
            self.fp, self.tn = self.fp + said, self.tn + (not said)

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.total if self.total else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class QuestionMiss:
    half: Half
    gold: bool
    label: str
    rule: str
    baseline: bool
    text: str


@dataclass
class QuestionReport:
    name: str
    format: Format
    lang: str
    left_out: int = 0
    malformed: int = 0
    labeller: dict[str, Detection] = field(default_factory=lambda: {h: Detection() for h in (*HALVES, "all")})
    baseline: dict[str, Detection] = field(default_factory=lambda: {h: Detection() for h in (*HALVES, "all")})
    misses: list[QuestionMiss] = field(default_factory=list)

    def format_table(self, misses: str | None = None) -> str:
        """Accuracy, precision, recall and F1 of "asks a question" on each half, beside the baseline;
        with `misses` (tune, measure or all), the labeller's disagreements on that half."""
        where = {"annomi": "halves: AnnoMI transcripts alternate in id order",
                 "cped": "halves: CPED rows alternate (even rows tune, odd rows measure)"}[self.format]
        extra = f", {self.left_out} reflections left out" if self.format == "annomi" else ""
        out = [f"question detection on {self.name} ({self.format}, {self.lang}): {self.labeller['all'].total} lines"
               f"{extra}" + (f", {self.malformed} malformed lines skipped" if self.malformed else ""),
               f"{where}; a line asks when the labeller gives it any label but statement",
               f"baseline: {BASELINES[self.lang]}", "",
               f"{'half':<9}{'lines':>6}{'asks':>6}   {'labeller  acc   prec  recall  F1':<34}"
               f"{'baseline  acc   prec  recall  F1'}"]
        for half in (*HALVES, "all"):
            lab, base = self.labeller[half], self.baseline[half]
            out.append(f"{half:<9}{lab.total:>6}{lab.tp + lab.fn:>6}   "
                       f"{'':<8}{lab.accuracy:>6.3f}{lab.precision:>6.3f}{lab.recall:>7.3f}{lab.f1:>6.3f}   "
                       f"{'':<8}{base.accuracy:>6.3f}{base.precision:>6.3f}{base.recall:>7.3f}{base.f1:>6.3f}")
        chosen = [m for m in self.misses if misses in ("all", m.half)]
        if misses:
            out += ["", f"disagreements on {misses} ({len(chosen)}; gold -> labeller [rule], "
                        f"* where the baseline is right)"]
            for m in chosen:
                gold = "question" if m.gold else "statement"
                star = "*" if m.baseline == m.gold else " "
                out.append(f" {star}{m.half:<8}{gold:>9} -> {m.label:<18} [{m.rule}]  {m.text}")
        return "\n".join(out)


def evaluate_questions(qset: QuestionSet, lang: str | None = None) -> QuestionReport:
    """Question detection of the labeller and of the baseline, on each half and on the whole set
    (in the set's own language unless `lang` is given)."""
    lang = lang or qset.lang
    report = QuestionReport(qset.name, qset.format, lang, qset.left_out, qset.malformed)
    for row in qset.rows:
        got = label(row.text, lang)
        said = got.label != "statement"
        base = baseline_asks(row.text, lang)
        for half in (row.half, "all"):
            report.labeller[half].add(row.question, said)
            report.baseline[half].add(row.question, base)
        if said != row.question:
            report.misses.append(QuestionMiss(row.half, row.question, got.label, got.rule, base, row.text))
    return report
