"""An ended session takes no more turns, whichever connection writes them (the check is in storage)."""

import threading

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from app.storage import repo


def new_session(db: Session) -> str:
    return repo.create_session(db, persona_id="hospital-it-rescue", language="zh", engine_state={}).id


def test_an_ended_session_refuses_new_lines_and_keeps_the_ones_it_had(db: Session) -> None:
    sid = new_session(db)
    before, _ = repo.append_trainee_turn(db, session_id=sid, client_id="a", text="您好", sent_at=1.0)
    repo.close_session(db, session_id=sid)
    with pytest.raises(repo.SessionEnded):
        repo.append_trainee_turn(db, session_id=sid, client_id="b", text="还在吗?", sent_at=9.0)
    again, created = repo.append_trainee_turn(db, session_id=sid, client_id="a", text="您好", sent_at=9.0)
    assert (again.seq, again.sent_at, created) == (before.seq, 1.0, False)  # a resent line is still acknowledged
    assert not repo.mark_typing(db, session_id=sid, at=10.0)
    with pytest.raises(repo.SessionEnded):
        repo.begin_customer_turn(db, session_id=sid, started_at=10.0)
    db.expire_all()
    assert [t.text for t in repo.list_turns(db, session_id=sid)] == ["您好"]
    assert repo.get_session(db, session_id=sid).pending_typing_at is None


def test_a_customer_turn_begun_before_the_end_is_dropped_not_finished(db: Session) -> None:
    """The end graded the transcript without the half-spoken turn; it is not added afterwards."""
    sid = new_session(db)
    repo.append_trainee_turn(db, session_id=sid, client_id="a", text="您好", sent_at=1.0)
    begun = repo.claim_and_begin(db, session_id=sid, now=2.0, lease_s=30.0, owner="w1")
    assert isinstance(begun, repo.Begun)
    _card, _head, graded = repo.close_session(db, session_id=sid)
    with pytest.raises(repo.SessionEnded):
        repo.finish_customer_turn(db, session_id=sid, turn_id=begun.turn.id, text="您好,请讲。", ended_at=3.0,
                                  renderer="template", engine_state={"last_seq": 1}, owner="w1")
    db.expire_all()
    assert [t.seq for t in repo.list_turns(db, session_id=sid)] == [t.seq for t in graded if t.text] == [1]
    assert repo.get_session(db, session_id=sid).reply_lease is None


def test_lines_racing_the_end_are_either_graded_or_refused(engine: Engine) -> None:
    """Writers keep adding lines while another connection ends the session: every line stored is
    one the end read for grading, and after the end every line is refused."""
    with Session(engine, expire_on_commit=False) as db:
        sid = new_session(db)
    stored: list[str] = []
    refused: list[str] = []
    graded: list[str] = []
    start = threading.Barrier(4)

    def write(worker: int) -> None:
        start.wait()
        with Session(engine, expire_on_commit=False) as db:
            for n in range(5000):  # until the end refuses them
                client_id = f"w{worker}-{n}"
                try:
                    repo.append_trainee_turn(db, session_id=sid, client_id=client_id, text=client_id, sent_at=float(n))
                except repo.SessionEnded:
                    refused.append(client_id)
                    return
                stored.append(client_id)

    def end() -> None:
        start.wait()
        with Session(engine, expire_on_commit=False) as db:
            while len(stored) < 10:
                threading.Event().wait(0.001)
            graded.extend(t.text for t in repo.close_session(db, session_id=sid)[2])

    threads = [threading.Thread(target=write, args=(w,)) for w in range(3)] + [threading.Thread(target=end)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with Session(engine, expire_on_commit=False) as db:
        kept = [t.text for t in repo.list_turns(db, session_id=sid)]
    assert sorted(kept) == sorted(stored) == sorted(graded)
    assert len(refused) == 3  # every writer met the end
