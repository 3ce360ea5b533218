"""The rubrics a certification may use, by name only: those shipped with the grader
(scoring/rubrics/) and those HR uploaded, stored in the database.

A name is never read as a file path, so no file on the server can be named, probed or quoted.
A stored rubric never changes: certifications and re-grades that name it keep meaning the same.
"""

from typing import Any

from sqlmodel import Session, col, select

from app.certification import audit
from app.certification.errors import CertificationError
from app.storage.models import StoredRubric, User
from scoring import Rubric, RubricError
from scoring.rubric import is_rubric_name, parse_rubric, shipped_names, shipped_rubric

MAX_TEXT = 64 * 1024


def _stored_names(db: Session) -> list[str]:
    return list(db.exec(select(StoredRubric.name).order_by(col(StoredRubric.name))))


def names(db: Session) -> list[str]:
    """Every name HR may pick: the shipped rubrics, then the uploaded ones."""
    return shipped_names() + _stored_names(db)


def find(db: Session, name: str) -> Rubric:
    """The rubric called `name`; CertificationError("bad_rubric") for anything else."""
    try:
        found = shipped_rubric(name)
        if found is not None:
            return found
        stored = db.get(StoredRubric, name) if is_rubric_name(name) else None
        if stored is not None:
            return parse_rubric(stored.text, stored.name)
    except RubricError as exc:
        raise CertificationError("bad_rubric", f"评分标准无法使用 / the rubric cannot be used: {exc}") from exc
    shown = name if len(name) <= 50 else name[:50] + "…"
    known = ", ".join(names(db))
    raise CertificationError("bad_rubric", f"没有名为 {shown!r} 的评分标准 / no rubric named {shown!r}; "
                                           f"可用 / known: {known}")


def listing(db: Session) -> list[dict[str, Any]]:
    """Name, origin and the main settings of every rubric, for HR to choose from."""
    rows = []
    for name in names(db):
        try:
            rubric = find(db, name)
        except CertificationError:
            continue
        rows.append({"name": name, "source": "shipped" if name in shipped_names() else "uploaded",
                     "description": rubric.description, "pass_mark": rubric.pass_mark,
                     "min_dimension": dict(rubric.min_dimension)})
    return rows


def store(db: Session, *, name: str, text: str, actor: User) -> Rubric:
    """Keep an uploaded rubric under a new name, once it has been checked in full."""
    if not is_rubric_name(name):
        raise CertificationError("bad_rubric", "评分标准名称只能用字母、数字、- 和 _,最多 50 个字符 / a rubric name "
                                               "has only letters, digits, - and _, at most 50 characters")
    if name in names(db):
        raise CertificationError("rubric_exists", f"已有名为 {name!r} 的评分标准,请换个名称 / a rubric named "
                                                  f"{name!r} exists already; choose another name")
    if len(text.encode("utf-8")) > MAX_TEXT:
        raise CertificationError("bad_rubric", f"评分标准文件过大 / the rubric is larger than {MAX_TEXT // 1024} KB")
    try:
        rubric = parse_rubric(text, name)
    except RubricError as exc:
        raise CertificationError("bad_rubric", str(exc)) from exc
    db.add(StoredRubric(name=name, text=text, created_by=actor.id))
    db.commit()
    audit.record(db, action="rubric_uploaded", actor_id=actor.id, rubric=name)
    return rubric
