"""A candidate's attempt number is stored once; databases raced before the index are renumbered."""

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, MetaData, insert, select
from sqlmodel import Session

from app.storage import repo
from app.storage.db import make_engine, migrate
from app.storage.models import Certification, ChatSession, User

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def seed(engine: Engine) -> None:
    """A candidate who won a race: attempt 1 stored three times, then an attempt 2."""
    with engine.begin() as conn:
        # the tables as the old schema has them (later migrations add columns the models know of)
        meta = MetaData()
        meta.reflect(conn, only=[m.__tablename__ for m in (User, Certification, ChatSession)])
        user, cert, chat = (meta.tables[m.__tablename__] for m in (User, Certification, ChatSession))
        conn.execute(insert(user).values(id=1, username="alice", password_hash="x", role="trainee",
                                         must_change_password=False, created_at=T0))
        conn.execute(insert(cert).values(id="c1", name="认证", persona_ids=["p"], rubric="certification", pass_mark=60,
                                         time_limit_s=600, attempts=1, opens_at=T0, closes_at=T0, seed=1,
                                         released=False, created_by=1, created_at=T0, updated_at=T0))
        for minute, (sid, number) in enumerate([("s2", 1), ("s1", 1), ("s4", 2), ("s3", 1)]):
            conn.execute(insert(chat).values(id=sid, persona_id="p", user_id=1, certification_id="c1",
                                             attempt_no=number, language="zh", mode="certification",
                                             status="ended", created_at=T0 + timedelta(minutes=minute),
                                             engine_state={}))


def test_repeated_attempt_numbers_are_renumbered_in_start_order(engine: Engine) -> None:
    migrate(engine, "0005")
    seed(engine)
    migrate(engine)
    chat = ChatSession.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(select(chat.c.id, chat.c.attempt_no).order_by(chat.c.attempt_no)).all()
    assert [tuple(r) for r in rows] == [("s2", 1), ("s1", 2), ("s3", 3), ("s4", 4)]


def test_an_attempt_number_taken_by_another_request_is_refused(engine: Engine) -> None:
    migrate(engine)
    with Session(engine, expire_on_commit=False) as db:
        db.add(User(id=1, username="alice", password_hash="x", role="trainee"))
        db.commit()
        db.add(Certification(id="c1", name="认证", persona_ids=["p"], rubric="certification", pass_mark=60,
                             time_limit_s=600, attempts=1, opens_at=T0, closes_at=T0, seed=1, created_by=1))
        db.commit()
        fields = dict(persona_id="p", language="zh", engine_state={}, user_id=1, certification_id="c1",
                      deadline=600.0, origin=0.0)
        first = repo.create_attempt(db, attempt_no=1, **fields)
        assert first is not None and first.attempt_no == 1
        assert repo.create_attempt(db, attempt_no=1, **fields) is None
        practice = [repo.create_session(db, persona_id="p", language="zh", engine_state={}, user_id=1) for _ in range(2)]
        assert all(p.attempt_no is None for p in practice)  # practice sessions are not numbered, never refused
