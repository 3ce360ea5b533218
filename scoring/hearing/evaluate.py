"""How well `hear_line` hears a labelled set of trainee lines.

A hearing set is a TSV file with a header and the columns text, subject, steps, moves, note
(`-` means none; steps and moves are comma-separated). `evaluate` reads every line with
`hear_line` and reports subject accuracy, precision and recall per subject, and precision and
recall per step and per move, with micro-averaged F1 over all steps and over all moves.

    python -m scoring.hearing.evaluate tests/data/hearing_dev_zh.tsv [-v]

The language is taken from the file name (…_zh.tsv / …_en.tsv) unless --lang is given.
"""

import argparse
import csv
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scoring.hearing import MOVES, STEPS, hear_line

NONE = "-"  # how "no subject / no steps / no moves" is written in a hearing set


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled line of a hearing set."""

    text: str
    subject: str | None
    steps: frozenset[str]
    moves: frozenset[str]
    note: str = ""


def _split(value: str) -> frozenset[str]:
    value = value.strip()
    if value in ("", NONE):
        return frozenset()
    return frozenset(x.strip() for x in value.split(",") if x.strip())


def read_tsv(path: str | Path) -> list[Row]:
    """The rows of a hearing set (header skipped, blank lines ignored)."""
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None:
            return rows
        for n, cells in enumerate(reader, start=2):
            if not cells or not cells[0].strip():
                continue
            if len(cells) < 4:
                raise ValueError(f"{path}:{n}: expected text, subject, steps, moves[, note]; got {len(cells)} cells")
            text, subject, steps, moves = (c.strip() for c in cells[:4])
            note = cells[4].strip() if len(cells) > 4 else ""
            rows.append(Row(text, None if subject in ("", NONE) else subject, _split(steps), _split(moves), note))
    return rows


@dataclass(slots=True)
class Score:
    """Counts for one class: true positives, false positives, false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        if self.tp + self.fp:
            return self.tp / (self.tp + self.fp)
        return 0.0 if self.fn else 1.0  # nothing heard: perfect only when there was nothing to hear

    @property
    def recall(self) -> float:
        if self.tp + self.fn:
            return self.tp / (self.tp + self.fn)
        return 0.0 if self.fp else 1.0  # nothing to hear: perfect only when nothing was heard

    @property
    def f1(self) -> float:
        if not self.tp:
            return 0.0 if self.fp or self.fn else 1.0
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)

    def add(self, other: "Score") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


@dataclass(frozen=True, slots=True)
class Miss:
    """One disagreement: what the set says and what was heard."""

    text: str
    kind: str  # subject | step | move
    want: str  # the gold value ("-" for none)
    got: str  # the heard value ("-" for none)
    label: str  # the labeller's label for the line


@dataclass
class HearingReport:
    lang: str
    n: int = 0
    subject_correct: int = 0
    subjects: dict[str, Score] = field(default_factory=dict)  # by subject id, "-" for no subject
    steps: dict[str, Score] = field(default_factory=dict)
    moves: dict[str, Score] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)

    @property
    def subject_accuracy(self) -> float:
        return self.subject_correct / self.n if self.n else 1.0

    @staticmethod
    def _micro(scores: dict[str, Score]) -> Score:
        total = Score()
        for s in scores.values():
            total.add(s)
        return total

    @property
    def steps_total(self) -> Score:
        """Counts over all steps together (micro average)."""
        return self._micro(self.steps)

    @property
    def moves_total(self) -> Score:
        """Counts over all moves together (micro average)."""
        return self._micro(self.moves)

    @property
    def steps_f1(self) -> float:
        return self.steps_total.f1

    @property
    def moves_f1(self) -> float:
        return self.moves_total.f1

    def format(self, misses: bool = False) -> str:
        """A readable table; with `misses`, every disagreement after it."""
        out = [f"hearing [{self.lang}]  {self.n} lines  subject accuracy "
               f"{self.subject_correct}/{self.n} = {self.subject_accuracy:.3f}"]

        def table(title: str, scores: dict[str, Score], total: Score | None = None) -> None:
            out.append("")
            out.append(f"  {title:16s} {'P':>5s} {'R':>5s} {'F1':>5s}  {'tp':>4s} {'fp':>4s} {'fn':>4s}")
            rows = list(scores.items()) + ([("(all)", total)] if total is not None else [])
            for key, s in rows:
                out.append(f"  {key:16s} {s.precision:5.2f} {s.recall:5.2f} {s.f1:5.2f}  {s.tp:4d} {s.fp:4d} {s.fn:4d}")

        table("subject", dict(sorted(self.subjects.items())))
        table("step", self.steps, self.steps_total)
        table("move", self.moves, self.moves_total)
        if misses and self.misses:
            out.append("")
            out.append("  misses (kind: want -> got  [label]  text)")
            for m in self.misses:
                out.append(f"  {m.kind:7s} {m.want:>14s} -> {m.got:<14s} [{m.label}]  {m.text}")
        return "\n".join(out)


def evaluate(rows: Iterable[Row], lang: str) -> HearingReport:
    """Hear every row in `lang` and compare with its gold subject, steps and moves."""
    report = HearingReport(lang=lang)
    report.steps = {s: Score() for s in STEPS}
    report.moves = {m: Score() for m in MOVES}
    for row in rows:
        heard = hear_line(row.text, lang)
        label = heard.label.label
        report.n += 1
        want, got = row.subject or NONE, heard.subject or NONE
        report.subjects.setdefault(want, Score())
        report.subjects.setdefault(got, Score())
        if want == got:
            report.subject_correct += 1
            report.subjects[want].tp += 1
        else:
            report.subjects[want].fn += 1
            report.subjects[got].fp += 1
            report.misses.append(Miss(row.text, "subject", want, got, label))
        for kind, gold, found, scores in (("step", row.steps, heard.steps, report.steps),
                                          ("move", row.moves, heard.moves, report.moves)):
            for value in sorted(gold | found):
                score = scores.setdefault(value, Score())
                if value in gold and value in found:
                    score.tp += 1
                elif value in gold:
                    score.fn += 1
                    report.misses.append(Miss(row.text, kind, value, NONE, label))
                else:
                    score.fp += 1
                    report.misses.append(Miss(row.text, kind, NONE, value, label))
    return report


def _lang_of(path: str) -> str:
    stem = Path(path).stem
    for lang in ("zh", "en"):
        if stem.endswith(f"_{lang}") or stem.endswith(f"-{lang}") or stem == lang:
            return lang
    raise SystemExit(f"{path}: cannot tell the language from the name; pass --lang")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scoring.hearing.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="hearing set TSV files")
    parser.add_argument("--lang", choices=("zh", "en"), help="language of the lines (default: from the file name)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every disagreement")
    args = parser.parse_args(argv)
    for i, path in enumerate(args.paths):
        report = evaluate(read_tsv(path), args.lang or _lang_of(path))
        if i:
            print()
        print(path)
        print(report.format(misses=args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
