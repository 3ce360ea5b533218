"""Agreement of the labeller with human labels: the 95 % bar of DESIGN 5, measured.

Rows are (text, label, topic, note) as in tests/data/labels_*.tsv; a note that starts with
"pitch" (after an optional source tag "heldout:") marks a line that talks up the product, and
a note containing "known_fail" marks a line the labeller is known to get wrong (the corpus
test reports it as an expected failure). `peilian classify --eval FILE` prints
`evaluate(read_tsv(FILE), lang).format()`.
"""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
