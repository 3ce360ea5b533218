"""Hearing (scoring/hearing): the evaluator's arithmetic, the dev-set floors, and golden cases.

- The evaluator is checked on a tiny hand-made row set with a stand-in `hear_line`, so its
  counts do not depend on the cue tables.
- The dev sets (tests/data/hearing_dev_{zh,en}.tsv, and the second, independent
  hearing_dev2_{zh,en}.tsv) must keep their subject accuracy and step and move F1 at or above
  the floors below: the figures the tables reach on each set and on both together, minus 3
  points, so a change that breaks what worked fails here.
- The golden cases (tests/scoring/cases/hearing_{zh,en}.yaml) are lines written from the method,
  not from the dev set; every one must be heard exactly.
"""

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from scoring.hearing import MOVES, STEPS, hear_line, subjects
from scoring.hearing import evaluate as evaluation
from scoring.hearing.evaluate import HearingReport, Row, Score, evaluate, read_tsv

DATA = Path(__file__).resolve().parents[1] / "data"
CASES = Path(__file__).resolve().parent / "cases"

# Reached on the dev sets, minus 3 points:
#   dev1         zh: subject 1.000, steps F1 1.000, moves F1 1.000; en: 1.000, 1.000, 0.990
#   dev2         zh: subject 0.901, steps F1 0.894, moves F1 0.891; en: 0.873, 0.872, 0.907
#   dev1 + dev2  zh: subject 0.949, steps F1 0.946, moves F1 0.947; en: 0.934, 0.936, 0.950
# (dev2 was tuned on its even rows only; its odd rows are the honest estimate for unseen lines.)
FLOORS = {
    ("dev", "zh"): {"subject": 0.97, "steps_f1": 0.97, "moves_f1": 0.97},
    ("dev", "en"): {"subject": 0.97, "steps_f1": 0.97, "moves_f1": 0.96},
    ("dev2", "zh"): {"subject": 0.87, "steps_f1": 0.86, "moves_f1": 0.86},
    ("dev2", "en"): {"subject": 0.84, "steps_f1": 0.84, "moves_f1": 0.87},
    ("dev+dev2", "zh"): {"subject": 0.91, "steps_f1": 0.91, "moves_f1": 0.91},
    ("dev+dev2", "en"): {"subject": 0.90, "steps_f1": 0.90, "moves_f1": 0.92},
}
DEV_SETS = {"dev": ("hearing_dev",), "dev2": ("hearing_dev2",), "dev+dev2": ("hearing_dev", "hearing_dev2")}
# No single step or move may fall below the brief's target on the first dev set.
LABEL_F1_FLOOR = 0.85


# --- the evaluator's arithmetic -------------------------------------------------------------

def _fake_heard(subject, steps=(), moves=(), label="exploratory"):
    return SimpleNamespace(subject=subject, steps=frozenset(steps), moves=frozenset(moves),
                           label=SimpleNamespace(label=label))


HEARD = {
    "a": _fake_heard("budget"),                                     # right
    "b": _fake_heard("timing", steps=["explore"]),                  # wrong subject, false explore
    "c": _fake_heard(None, moves=["calm", "reflect"]),              # right (none), calm right, false reflect
    "d": _fake_heard("concern", steps=["confirm"], moves=[]),       # right, confirm right, misses test and calm
}
ROWS = [
    Row("a", "budget", frozenset(), frozenset()),
    Row("b", "budget", frozenset(), frozenset()),
    Row("c", None, frozenset(), frozenset({"calm"})),
    Row("d", "concern", frozenset({"confirm", "test"}), frozenset({"calm"})),
]


@pytest.fixture
def report(monkeypatch: pytest.MonkeyPatch) -> HearingReport:
    monkeypatch.setattr(evaluation, "hear_line", lambda text, lang: HEARD[text])
    return evaluate(ROWS, "zh")


def test_subject_accuracy_and_per_subject_counts(report: HearingReport) -> None:
    assert report.n == 4
    assert report.subject_correct == 3
    assert report.subject_accuracy == pytest.approx(0.75)
    budget = report.subjects["budget"]
    assert (budget.tp, budget.fp, budget.fn) == (1, 0, 1)
    assert budget.precision == pytest.approx(1.0) and budget.recall == pytest.approx(0.5)
    timing = report.subjects["timing"]
    assert (timing.tp, timing.fp, timing.fn) == (0, 1, 0)
    assert timing.precision == 0.0 and timing.f1 == 0.0
    assert (report.subjects["-"].tp, report.subjects["-"].fp, report.subjects["-"].fn) == (1, 0, 0)
    assert (report.subjects["concern"].tp, report.subjects["concern"].fn) == (1, 0)


def test_step_and_move_counts(report: HearingReport) -> None:
    steps, moves = report.steps, report.moves
    assert set(steps) == set(STEPS) and set(moves) == set(MOVES)
    assert (steps["explore"].tp, steps["explore"].fp, steps["explore"].fn) == (0, 1, 0)
    assert (steps["confirm"].tp, steps["confirm"].fp, steps["confirm"].fn) == (1, 0, 0)
    assert (steps["test"].tp, steps["test"].fp, steps["test"].fn) == (0, 0, 1)
    assert (moves["calm"].tp, moves["calm"].fp, moves["calm"].fn) == (1, 0, 1)
    assert (moves["reflect"].tp, moves["reflect"].fp, moves["reflect"].fn) == (0, 1, 0)
    assert moves["calm"].precision == pytest.approx(1.0)
    assert moves["calm"].recall == pytest.approx(0.5)
    assert moves["calm"].f1 == pytest.approx(2 / 3)
    # a class never heard and never expected is perfect, not an error
    assert steps["dig"].f1 == 1.0 and steps["dig"].support == 0


def test_micro_f1_over_all_steps_and_all_moves(report: HearingReport) -> None:
    s = report.steps_total
    assert (s.tp, s.fp, s.fn) == (1, 1, 1)
    assert report.steps_f1 == pytest.approx(0.5)
    m = report.moves_total
    assert (m.tp, m.fp, m.fn) == (1, 1, 1)
    assert report.moves_f1 == pytest.approx(0.5)


def test_misses_and_format(report: HearingReport) -> None:
    kinds = sorted((m.kind, m.want, m.got) for m in report.misses)
    assert kinds == [("move", "-", "reflect"), ("move", "calm", "-"), ("step", "-", "explore"),
                     ("step", "test", "-"), ("subject", "budget", "timing")]
    table = report.format()
    assert "subject accuracy 3/4 = 0.750" in table
    assert "(all)" in table and "explore" in table and "calm" in table
    assert "misses" not in table
    assert "budget -> timing" in report.format(misses=True)


def test_score_edges() -> None:
    assert Score().precision == 1.0 and Score().recall == 1.0 and Score().f1 == 1.0
    assert Score(fn=2).precision == 0.0 and Score(fn=2).recall == 0.0
    assert Score(fp=1).recall == 0.0


def test_read_tsv(tmp_path: Path) -> None:
    path = tmp_path / "set_zh.tsv"
    path.write_text("text\tsubject\tsteps\tmoves\tnote\n"
                    "预算多少?\tbudget\t-\t-\tplain\n"
                    "\n"
                    "除了价格还有吗?\tconcern\ttest, confirm\tcalm\n"
                    "好的,先这样\t-\t-\twithdraw\t\n", encoding="utf-8")
    rows = read_tsv(path)
    assert [r.text for r in rows] == ["预算多少?", "除了价格还有吗?", "好的,先这样"]
    assert rows[0] == Row("预算多少?", "budget", frozenset(), frozenset(), "plain")
    assert rows[1].steps == frozenset({"test", "confirm"}) and rows[1].moves == frozenset({"calm"})
    assert rows[1].note == ""
    assert rows[2].subject is None and rows[2].moves == frozenset({"withdraw"})


def test_read_tsv_rejects_short_rows(tmp_path: Path) -> None:
    path = tmp_path / "bad_en.tsv"
    path.write_text("text\tsubject\tsteps\tmoves\tnote\nonly text\tbudget\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad_en.tsv:2"):
        read_tsv(path)


# --- dev-set floors -------------------------------------------------------------------------

@pytest.fixture(scope="module", params=sorted(FLOORS), ids=lambda key: "-".join(key))
def dev(request: pytest.FixtureRequest) -> tuple[str, HearingReport]:
    name, lang = request.param
    rows = [row for stem in DEV_SETS[name] for row in read_tsv(DATA / f"{stem}_{lang}.tsv")]
    return name, evaluate(rows, lang)


def test_dev_subject_accuracy(dev: tuple[str, HearingReport]) -> None:
    name, report = dev
    floor = FLOORS[name, report.lang]["subject"]
    assert report.subject_accuracy >= floor, report.format(misses=True)


def test_dev_step_and_move_f1(dev: tuple[str, HearingReport]) -> None:
    name, report = dev
    floors = FLOORS[name, report.lang]
    assert report.steps_f1 >= floors["steps_f1"], report.format(misses=True)
    assert report.moves_f1 >= floors["moves_f1"], report.format(misses=True)
    if name == "dev":
        weak = {k: round(s.f1, 2) for k, s in {**report.steps, **report.moves}.items() if s.f1 < LABEL_F1_FLOOR}
        assert not weak, f"{weak}\n{report.format(misses=True)}"


# --- golden cases ---------------------------------------------------------------------------

def _golden() -> list:
    out = []
    for lang in ("zh", "en"):
        for i, case in enumerate(yaml.safe_load((CASES / f"hearing_{lang}.yaml").read_text(encoding="utf-8"))):
            out.append(pytest.param(lang, case, id=f"{lang}-{i:02d}"))
    return out


GOLDEN = _golden()


def test_golden_cases_are_well_formed() -> None:
    known = set(subjects())
    for lang in ("zh", "en"):
        cases = [p.values[1] for p in GOLDEN if p.values[0] == lang]
        assert 20 <= len(cases) <= 45
        assert {c["subject"] for c in cases} - {None} <= known
        assert {c["subject"] for c in cases} >= known, "every subject has a golden case"
        assert {s for c in cases for s in c.get("steps") or []} == set(STEPS)
        assert {m for c in cases for m in c.get("moves") or []} == set(MOVES)


@pytest.mark.parametrize(("lang", "case"), GOLDEN)
def test_golden_case(lang: str, case: dict) -> None:
    heard = hear_line(case["text"], lang)
    got = (heard.subject, sorted(heard.steps), sorted(heard.moves))
    want = (case.get("subject"), sorted(case.get("steps") or []), sorted(case.get("moves") or []))
    assert got == want, f"{case['text']!r}: heard {got} (rule {heard.subject_rule}), want {want}"


TERSE = yaml.safe_load((CASES / "terse.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("lang", "text", "terse"), [
    (lang, text, kind == "terse") for lang, kinds in TERSE.items() for kind, texts in kinds.items() for text in texts
])
def test_terse_questions(lang: str, text: str, terse: bool) -> None:
    assert hear_line(text, lang).terse is terse
