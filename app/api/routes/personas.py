"""Persona cards over REST: the list every user practises from, and the scenario builder.

GET /api/personas lists the shipped cards (public side only) and the published cards built here
that the caller may see. Coaches and admins build cards: a draft from JSON fields or a YAML import,
edits (each a new version), validation with the rules of `peilian personas check` (each problem
tied to its field, in both languages), the check that scripted trainees cannot game the card, and
publishing. A coach's card is for their team; only an admin makes one for everyone. A card someone
may not see does not exist for them (404); one they see but may not edit answers 403.
"""

import re
from datetime import datetime
from typing import Annotated, Any, Literal

import yaml

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.api.deps import ContextDep, CurrentUserDep, DbDep, require_role
from app.api.errors import ApiError
from app.api.routes.pages import PageUserDep, page_language, render
from app.core.context import AppContext
from app.core.i18n import LANGUAGES, message, strings
from app.core.yamlio import load_yaml
from app.engine.personas import CONCERN_LEVELS, check_card
from app.persona_check import run_check
from app.storage import persona_cards as store
from scoring.hearing import subjects
from app.storage.models import PersonaCardRow, PersonaVersion, User

router = APIRouter(prefix="/api/personas", tags=["personas"])
page_router = APIRouter(include_in_schema=False)
EditorDep = Annotated[User, Depends(require_role(*store.EDITORS))]
CardId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=100)]
MAX_YAML = 200_000
CARD_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


class CardInput(BaseModel):
    """A card's fields as JSON (`card`), or a YAML document (`yaml`, as `peilian personas check` reads)."""

    card: dict[str, Any] | None = Field(None, description="the card's fields (docs/persona-cards.md)")
    yaml: str | None = Field(None, max_length=MAX_YAML, description="the card as YAML, instead of `card`")
    visibility: Literal["team", "all"] | None = Field(
        None, description="team: the owner coach's trainees (default); all: everyone (admins only)")


class Problem(BaseModel):
    field: str = Field(description="dotted path of the field, e.g. facts.2.subject")
    type: str = Field(description="the rule broken (pydantic error type)")
    zh: str
    en: str


class VersionOut(BaseModel):
    number: int
    status: str
    created_at: datetime


class CardOut(BaseModel):
    id: str
    owner_id: int | None
    visibility: str
    version: int = Field(description="the version shown (the latest, for those who edit the card)")
    status: str = Field(description="draft or published")
    card: dict[str, Any] = Field(description="the card's fields at that version")
    problems: list[Problem] = Field(description="what stands in the way of publishing; empty when valid")
    versions: list[VersionOut] = Field(default_factory=list, description="every version (editors only)")


def problems_of(data: dict[str, Any]) -> list[Problem]:
    """The card's problems, each tied to its field and worded in both languages."""
    _, found = check_card(data)
    known = strings("zh")["card_errors"]
    out = []
    for field, problem, kind, params in found:
        key = kind if kind in known else "other"
        words = {lang: message(lang, f"card_errors.{key}", detail=problem, **params) for lang in LANGUAGES}
        out.append(Problem(field=field, type=kind, **words))
    return out


def _data(body: CardInput) -> dict[str, Any]:
    """The card data of a request: its JSON fields or its YAML, which must be a mapping with an id."""
    if (body.card is None) == (body.yaml is None):
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "card_input")
    data: Any = body.card
    if body.yaml is not None:
        try:
            data = load_yaml(body.yaml)
        except yaml.YAMLError as exc:
            raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "card_yaml", problem=str(exc).splitlines()[0]) from exc
    if not isinstance(data, dict):
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "card_yaml", problem="not a mapping")
    return data


def _visibility(user: User, wanted: str | None) -> str | None:
    if wanted == "all" and user.role != "admin":
        raise ApiError(status.HTTP_403_FORBIDDEN, "card_for_all")
    return wanted


def _seen(db: Session, user: User, card_id: str) -> PersonaCardRow:
    row = db.get(PersonaCardRow, card_id)
    if row is None or not store.may_see(db, user, row):
        raise ApiError(status.HTTP_404_NOT_FOUND, "no_card", card=repr(card_id))
    return row


def _editable(db: Session, user: User, card_id: str) -> PersonaCardRow:
    row = _seen(db, user, card_id)
    if not store.may_edit(user, row):
        raise ApiError(status.HTTP_403_FORBIDDEN, "card_not_yours")
    return row


def _out(db: Session, row: PersonaCardRow, version: PersonaVersion, *, editor: bool) -> CardOut:
    history = [VersionOut(number=v.number, status=v.status, created_at=v.created_at)
               for v in store.versions(db, row.id)] if editor else []
    return CardOut(id=row.id, owner_id=row.owner_id, visibility=row.visibility, version=version.number,
                   status=version.status, card=version.data, problems=problems_of(version.data) if editor else [],
                   versions=history)


@router.get("", summary="List the persona cards")
def list_personas(ctx: ContextDep, db: DbDep, user: CurrentUserDep) -> list[dict[str, Any]]:
    """Every shipped card's public fields (id, name, language, motive, concern level, difficulty, brief),
    then the published cards built here that the caller may practise (with `version`)."""
    return store.summaries(db, ctx.personas, user)


@router.get("/editable", summary="The built cards the caller may edit")
def list_editable(db: DbDep, user: EditorDep) -> list[CardOut]:
    """A coach's own cards, or every built card for an admin, at their latest version."""
    out = []
    for row in store.editable(db, user):
        version = store.latest(db, row.id)
        if version is not None:
            out.append(_out(db, row, version, editor=True))
    return out


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a draft persona card")
def create_card(body: CardInput, ctx: ContextDep, db: DbDep, user: EditorDep) -> CardOut:
    """The draft is saved even with problems (listed in `problems`); its `id` must be a new card id."""
    data = _data(body)
    card_id = data.get("id")
    if not isinstance(card_id, str) or not CARD_ID.match(card_id):
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "card_id")
    if card_id in ctx.personas or db.get(PersonaCardRow, card_id) is not None:
        raise ApiError(status.HTTP_409_CONFLICT, "card_exists", card=repr(card_id))
    row, version = store.create(db, card_id=card_id, owner=user, data=data,
                                visibility=_visibility(user, body.visibility) or "team")
    return _out(db, row, version, editor=True)


@router.get("/{card_id}", summary="A built persona card")
def read_card(card_id: CardId, db: DbDep, user: CurrentUserDep) -> CardOut:
    """Editors get the latest version (draft or not) with its problems and history; others the latest
    published version, or 404 when there is none."""
    row = _seen(db, user, card_id)
    editor = store.may_edit(user, row)
    version = store.latest(db, row.id, published=not editor)
    if version is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "no_card", card=repr(card_id))
    return _out(db, row, version, editor=editor)


@router.put("/{card_id}", summary="Edit a persona card (saves a new draft version)")
def edit_card(card_id: CardId, body: CardInput, db: DbDep, user: EditorDep) -> CardOut:
    """Earlier versions stay as they were: sessions played on them keep them. The card id cannot change."""
    row = _editable(db, user, card_id)
    data = _data(body)
    if data.get("id") != row.id:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "card_id_fixed", card=repr(row.id))
    version = store.save_draft(db, row=row, user=user, data=data, visibility=_visibility(user, body.visibility))
    return _out(db, row, version, editor=True)


@router.post("/{card_id}/validate", summary="Validate a persona card draft")
def validate_card(card_id: CardId, db: DbDep, user: EditorDep) -> dict[str, Any]:
    """The rules of `peilian personas check`: `{"valid": …, "problems": [{field, type, zh, en}]}`."""
    version = store.latest(db, _editable(db, user, card_id).id)
    assert version is not None
    problems = problems_of(version.data)
    return {"version": version.number, "valid": not problems, "problems": [p.model_dump() for p in problems]}


def _checked(ctx: AppContext, db: Session, user: User, card_id: str) -> tuple[PersonaVersion, dict[str, Any]]:
    version = store.latest(db, _editable(db, user, card_id).id)
    assert version is not None
    card = store.card_from_data(version.data)
    if card is None:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "card_invalid",
                       count=len(problems_of(version.data)))
    return version, run_check(card, renderer=ctx.renderer, rubric=ctx.rubric,
                              prompts_dir=ctx.settings.prompts_dir)


@router.get("/{card_id}/check", summary="Play scripted trainees against the latest version")
def check_card_play(card_id: CardId, ctx: ContextDep, db: DbDep, user: EditorDep) -> dict[str, Any]:
    """The check run before publishing (app/persona_check.py): each script's outcome and transcript."""
    version, result = _checked(ctx, db, user, card_id)
    return {"version": version.number, **result}


@router.post("/{card_id}/publish", summary="Publish the latest version")
def publish_card(card_id: CardId, ctx: ContextDep, db: DbDep, user: EditorDep) -> CardOut:
    """422 when the card is not valid; 409 with the check result when a scripted trainee games it or
    the method-following play wins nothing."""
    version, result = _checked(ctx, db, user, card_id)
    if not result["passed"]:
        words = " / ".join(message(lang, "errors.card_check_failed") for lang in LANGUAGES)
        raise HTTPException(status.HTTP_409_CONFLICT,
                            detail={"code": "card_check_failed", "message": words, "check": result})
    row = db.get(PersonaCardRow, card_id)
    assert row is not None
    return _out(db, row, store.publish(db, version), editor=True)


@router.get("/{card_id}/yaml", summary="Export a persona card as YAML")
def export_yaml(card_id: CardId, db: DbDep, user: EditorDep) -> Response:
    """The latest version as a YAML file that `peilian personas check` and the import read."""
    row = _editable(db, user, card_id)
    version = store.latest(db, row.id)
    assert version is not None
    text = yaml.safe_dump(version.data, allow_unicode=True, sort_keys=False, width=1000)
    return Response(text, media_type="application/yaml",
                    headers={"Content-Disposition": f'attachment; filename="{row.id}.yaml"'})


def _builder_page(request: Request, ctx: AppContext, db: Session, signed_in: Any, card_id: str | None) -> Response:
    """The form over this API; coaches and admins only, and only for a card they may edit."""
    user = signed_in.user
    lang = page_language(request, ctx.settings.default_language)
    t = strings(lang)
    row = db.get(PersonaCardRow, card_id) if card_id else None
    if user.role not in store.EDITORS or (card_id and (row is None or not store.may_edit(user, row))):
        status_code = 404 if user.role in store.EDITORS else 403
        return render(request, ctx, "error.html", signed_in, status_code=status_code,
                      heading=t["error_page"]["forbidden" if status_code == 403 else "not_found"],
                      message=t["builder"]["editors_only"])
    return render(request, ctx, "persona_builder.html", signed_in, page_config={
        "card_id": card_id, "lang": lang, "role": user.role, "subjects": [s.id for s in subjects().values() if s.fact], "concerns": list(CONCERN_LEVELS)})


@page_router.get("/personas/new", response_class=HTMLResponse)
def new_card_page(request: Request, ctx: ContextDep, db: DbDep, signed_in: PageUserDep) -> Response:
    return _builder_page(request, ctx, db, signed_in, None)


@page_router.get("/personas/{card_id}/edit", response_class=HTMLResponse)
def edit_card_page(card_id: CardId, request: Request, ctx: ContextDep, db: DbDep, signed_in: PageUserDep) -> Response:
    return _builder_page(request, ctx, db, signed_in, card_id)
