"""Rubrics load by name or path; a broken one is refused naming the file and the field."""

from pathlib import Path

import pytest
import yaml

from scoring import Rubric, RubricError, load_rubric
from scoring.rubric import POINT_RULES, RUBRICS_DIR


def _default_data() -> dict:
    return yaml.safe_load((RUBRICS_DIR / "default.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_default_rubric_has_the_documented_settings() -> None:
    rubric = load_rubric()
    assert isinstance(rubric, Rubric)
    assert (rubric.name, rubric.silence_threshold_s, rubric.pass_mark) == ("default", 4.0, 70)
    assert set(rubric.points) == set(POINT_RULES)
    assert load_rubric("default") is rubric


def test_certification_extends_default_and_is_stricter() -> None:
    default, cert = load_rubric("default"), load_rubric("certification")
    assert cert.name == "certification"
    assert cert.pass_mark > default.pass_mark
    assert cert.min_dimension and all(v > 0 for v in cert.min_dimension.values())
    for rule in ("questioning.control_before_explore", "listening.question_broken", "concerns.pushed"):
        assert cert.points[rule].delta < default.points[rule].delta
    assert cert.points["commitment.secured"] == default.points["commitment.secured"]
    assert cert.weights == default.weights


def test_a_rubric_by_path(tmp_path: Path) -> None:
    data = _default_data() | {"name": "team-a", "pass_mark": None, "silence_threshold_s": 3.0}
    rubric = load_rubric(str(_write(tmp_path, data)))
    assert (rubric.name, rubric.pass_mark, rubric.silence_threshold_s) == ("team-a", None, 3.0)


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = _write(tmp_path, _default_data() | {"pass_mark": 60})
    assert load_rubric(str(path)).pass_mark == 60
    path.write_text(yaml.safe_dump(_default_data() | {"pass_mark": 65}), encoding="utf-8")
    import os

    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert load_rubric(str(path)).pass_mark == 65


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d["weights"].pop("listening"), "weights"),
    (lambda d: d.update(pass_mark=150), "pass_mark"),
    (lambda d: d.update(silence_threshold_s=-1), "silence_threshold_s"),
    (lambda d: d.update(pass_mrk=70), "pass_mrk"),
    (lambda d: d["points"].update({"questioning.bogus": {"delta": 3}}), "points"),
    (lambda d: d["points"].pop("commitment.secured"), "points"),
    (lambda d: d["points"]["listening.answer_held"].update(delta="five"), "points.listening.answer_held.delta"),
    (lambda d: d["points"]["listening.answer_held"].update(cpa=3), "points.listening.answer_held.cpa"),
    (lambda d: d["base"].update(questioning=120), "base"),
    (lambda d: d["weights"].update(listening=-1), "weights"),
    (lambda d: d.update(min_dimension={"charm": 50}), "min_dimension.charm"),
])
def test_a_broken_rubric_names_the_file_and_the_field(tmp_path: Path, change, field: str) -> None:
    data = _default_data()
    change(data)
    path = _write(tmp_path, data, "broken.yaml")
    with pytest.raises(RubricError) as err:
        load_rubric(str(path))
    message = str(err.value)
    assert str(path) in message and field in message, message


def test_not_yaml_or_not_a_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("weights: [oops\n", encoding="utf-8")
    with pytest.raises(RubricError, match="bad.yaml.*YAML"):
        load_rubric(str(bad))
    bad.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(RubricError, match="bad.yaml.*mapping"):
        load_rubric(str(bad))


def test_unknown_name_and_bad_extends(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="no-such-rubric"):
        load_rubric("no-such-rubric")
    child = _write(tmp_path, {"extends": "nothing-here", "pass_mark": 50}, "child.yaml")
    with pytest.raises(RubricError, match="child.yaml: extends: .*nothing-here"):
        load_rubric(str(child))
    child = _write(tmp_path, {"extends": "../etc/passwd"}, "child2.yaml")
    with pytest.raises(RubricError, match="child2.yaml: extends"):
        load_rubric(str(child))


def test_extends_merges_nested_points(tmp_path: Path) -> None:
    path = _write(tmp_path, {"extends": "default", "name": "kind", "points": {"listening.question_broken": {"delta": -1}}})
    rubric = load_rubric(str(path))
    assert rubric.points["listening.question_broken"].delta == -1
    assert rubric.points["listening.answer_held"] == load_rubric().points["listening.answer_held"]


def test_a_session_without_a_commitment_does_not_pass_when_the_rubric_requires_one() -> None:
    """seed 002 行动承诺: the default rubric passes a session only with a commitment secured or,
    at levels 4-6, rightly held back; the scorecard says why it did not pass."""
    from scoring import Transcript, grade

    spec = yaml.safe_load((Path(__file__).parent / "transcripts/en/en-doubt-pushed.yaml").read_text(encoding="utf-8"))
    transcript = Transcript.model_validate(spec["transcript"])
    required = load_rubric()
    assert required.commitment_required
    lenient = required.model_copy(update={"pass_mark": 50, "min_dimension": {}, "commitment_required": False})
    strict = required.model_copy(update={"pass_mark": 50, "min_dimension": {}})
    assert grade(transcript, lenient).passed is True
    card = grade(transcript, strict)
    assert card.passed is False
    assert any("commitment" in note for note in card.notes)
