"""The upgrade that brings replies and new-comment markers: what was there before is not news."""

from sqlalchemy import Engine, inspect
from sqlmodel import Session

from app.accounts.service import create_user
from app.storage import repo, reviews
from app.storage.db import downgrade, migrate


def test_comments_from_before_the_upgrade_are_read_by_the_trainee_their_coach_and_admins(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as db:
        users = {name: create_user(db, username=name, password="pw-123456789", role=role, coach=coach)
                 for name, role, coach in [("laoshi", "coach", None), ("alice", "trainee", "laoshi"),
                                           ("root", "admin", None)]}
        sid = repo.create_session(db, persona_id="hospital-it-rescue", language="zh", engine_state={},
                                  user_id=users["alice"].id).id
        quiet = repo.create_session(db, persona_id="hospital-it-rescue", language="zh", engine_state={},
                                    user_id=users["alice"].id).id
        ids = [reviews.add_comment(db, session_id=sid, seq=None, author_id=users["laoshi"].id, text=t).id
               for t in ("一", "二")]
    downgrade(engine, "0010")  # the schema before replies, with its comments
    assert "comment_seen" not in inspect(engine).get_table_names()
    migrate(engine)
    with Session(engine) as db:
        for name in ("alice", "laoshi", "root"):
            assert reviews.new_comment_counts(db, reader_id=users[name].id, session_ids=[sid, quiet]) == {}, name
            assert [c["new"] for c in reviews.list_comments(db, session_id=sid, reader_id=users[name].id)] == [False, False]
        reply = reviews.add_comment(db, session_id=sid, seq=None, author_id=users["alice"].id, text="好", parent_id=ids[0])
        assert reviews.new_comment_counts(db, reader_id=users["laoshi"].id, session_ids=[sid, quiet]) == {sid: 1}
        assert [(c["parent_id"], c["new"]) for c in reviews.list_comments(db, session_id=sid, reader_id=users["laoshi"].id)] \
            == [(None, False), (None, False), (ids[0], True)]
        assert reply.parent_id == ids[0]
