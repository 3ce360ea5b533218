"""Rubrics HR may use, over REST: list them, and upload a new one (kept under its own name, never changed)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from app.accounts import access
from app.api.deps import DbDep, require_role
from app.certification import rubrics
from app.certification.errors import CertificationError
from app.storage.models import User

router = APIRouter(prefix="/api/rubrics", tags=["certifications"])
HrDep = Annotated[User, Depends(require_role(*access.SEE_ALL))]


class RubricUpload(BaseModel):
    name: str = Field(min_length=1, max_length=50, description="letters, digits, - and _; not a shipped name")
    yaml: str = Field(min_length=1, description="the rubric as YAML; `extends: default` inherits what it leaves out")


@router.get("", summary="Rubrics a certification may use: shipped and uploaded (HR)")
def list_rubrics(db: DbDep, _user: HrDep) -> list[dict[str, Any]]:
    return rubrics.listing(db)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Upload a rubric under a new name (HR)")
def upload_rubric(body: RubricUpload, db: DbDep, user: HrDep) -> dict[str, Any]:
    try:
        rubric = rubrics.store(db, name=body.name, text=body.yaml, actor=user)
    except CertificationError as exc:
        code = status.HTTP_409_CONFLICT if exc.code == "rubric_exists" else status.HTTP_422_UNPROCESSABLE_CONTENT
        raise HTTPException(code, detail={"code": exc.code, "message": str(exc)}) from exc
    return {"name": rubric.name, "source": "uploaded", "description": rubric.description,
            "pass_mark": rubric.pass_mark, "min_dimension": dict(rubric.min_dimension)}
