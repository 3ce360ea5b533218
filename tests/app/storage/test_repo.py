"""Storage on SQLite and PostgreSQL: migrations, idempotent trainee lines, typing times, scorecards."""

import uuid

import pytest
from sqlalchemy import Engine, func, inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.storage import repo
from app.storage.db import downgrade, migrate
from app.storage.models import ChatSession, Scorecard, Turn


def new_session(db: Session) -> str:
    return repo.create_session(db, persona_id="hospital-it-rescue", language="zh", engine_state={"trust": 20}).id


def test_migration_creates_and_drops_the_schema(engine: Engine) -> None:
    assert {"chat_session", "turn", "scorecard"} <= set(inspect(engine).get_table_names())
    downgrade(engine, "base")
    assert not {"chat_session", "turn", "scorecard"} & set(inspect(engine).get_table_names())
    migrate(engine)
    assert {"chat_session", "turn", "scorecard"} <= set(inspect(engine).get_table_names())


def test_a_repeated_client_id_is_stored_once(db: Session) -> None:
    sid = new_session(db)
    first, created = repo.append_trainee_turn(db, session_id=sid, client_id="m1", text="您好", sent_at=1.0)
    again, created_again = repo.append_trainee_turn(db, session_id=sid, client_id="m1", text="您好", sent_at=2.0)
    assert created and not created_again
    assert again.seq == first.seq == 1 and again.sent_at == 1.0
    assert [t.text for t in repo.list_turns(db, session_id=sid)] == ["您好"]


def test_turn_numbers_follow_each_other_across_speakers(db: Session) -> None:
    sid = new_session(db)
    repo.append_trainee_turn(db, session_id=sid, client_id="a", text="一", sent_at=1.0)
    assert repo.claim_reply(db, session_id=sid, now=2.0, lease_s=5.0, owner="w1") is not None
    reply = repo.begin_customer_turn(db, session_id=sid, started_at=2.0)
    repo.append_trainee_turn(db, session_id=sid, client_id="b", text="二", sent_at=2.5)
    assert repo.finish_customer_turn(db, session_id=sid, turn_id=reply.id, text="客户", ended_at=3.0,
                                     renderer="template", engine_state={"x": 1}, owner="w1")
    db.expire_all()
    turns = repo.list_turns(db, session_id=sid)
    assert [(t.seq, t.speaker, t.text) for t in turns] == [(1, "trainee", "一"), (2, "customer", "客户"), (3, "trainee", "二")]
    assert repo.get_session(db, session_id=sid).engine_state == {"x": 1}
    assert [t.seq for t in repo.list_turns(db, session_id=sid, after_seq=2)] == [3]


def test_first_keystroke_becomes_typing_started_at(db: Session) -> None:
    sid = new_session(db)
    assert repo.mark_typing(db, session_id=sid, at=4.0)
    assert not repo.mark_typing(db, session_id=sid, at=6.0)  # later keystrokes change nothing
    turn, _ = repo.append_trainee_turn(db, session_id=sid, client_id="a", text="还有呢?", sent_at=7.5)
    assert (turn.typing_started_at, turn.sent_at) == (4.0, 7.5)
    second, _ = repo.append_trainee_turn(db, session_id=sid, client_id="b", text="然后呢?", sent_at=9.0)
    assert second.typing_started_at is None  # no keystroke reported for this line


def test_opening_fixes_the_clock_once_and_lists_the_unanswered_lines(db: Session) -> None:
    sid = new_session(db)
    owner = repo.get_session(db, session_id=sid).user_id
    chat, unanswered = repo.open_session(db, session_id=sid, user_id=owner, now=100.0)
    assert chat.origin == 100.0 and unanswered == []
    repo.append_trainee_turn(db, session_id=sid, client_id="a", text="一", sent_at=1.0)
    repo.append_trainee_turn(db, session_id=sid, client_id="b", text="二", sent_at=2.0)
    chat, unanswered = repo.open_session(db, session_id=sid, user_id=owner, now=250.0)
    assert chat.origin == 100.0  # the first connection fixed it
    assert [t.text for t in unanswered] == ["一", "二"]
    reply = repo.claim_and_begin(db, session_id=sid, now=3.0, lease_s=30.0, owner="w1")
    assert isinstance(reply, repo.Begun)
    repo.finish_customer_turn(db, session_id=sid, turn_id=reply.turn.id, text="嗯", ended_at=4.0, renderer="template",
                              engine_state={"last_seq": 2}, owner="w1")
    db.expire_all()  # the app opens a new database session per call
    assert repo.open_session(db, session_id=sid, user_id=owner, now=300.0)[1] == []  # all taken in


def test_opening_someone_elses_or_a_missing_session_gives_nothing(db: Session) -> None:
    sid = new_session(db)
    owner = repo.get_session(db, session_id=sid).user_id
    assert repo.open_session(db, session_id=sid, user_id=(owner or 0) + 1, now=1.0) is None
    assert repo.open_session(db, session_id="nope", user_id=owner, now=1.0) is None
    assert repo.get_session(db, session_id=sid).origin is None  # a refused socket changes nothing


def test_an_import_is_stored_whole_or_not_at_all(db: Session) -> None:
    def parts(seqs: list[int]) -> dict:
        chat = ChatSession(id=uuid.uuid4().hex, persona_id="p", language="zh", engine_state={}, mode="imported",
                           status="ended")
        turns = [Turn(session_id=chat.id, seq=seq, speaker="trainee", text=f"第{seq}句") for seq in seqs]
        card = Scorecard(session_id=chat.id, rubric="default", overall=55, passed=False, data={"overall": 55})
        return {"chat": chat, "turns": turns, "scorecard": card}

    broken = parts([1, 2, 2])
    with pytest.raises(IntegrityError):
        repo.store_imported(db, **broken)
    assert repo.get_session(db, session_id=broken["chat"].id) is None
    assert db.exec(select(func.count()).select_from(Turn)).one() == 0
    good = parts([1, 2, 3])
    repo.store_imported(db, **good)
    db.expire_all()
    assert [t.seq for t in repo.list_turns(db, session_id=good["chat"].id)] == [1, 2, 3]
    assert repo.get_scorecard(db, session_id=good["chat"].id).overall == 55
    assert repo.get_session(db, session_id=good["chat"].id).status == "ended"


def test_closing_ends_once_and_reads_what_grading_needs(db: Session) -> None:
    sid = new_session(db)
    repo.append_trainee_turn(db, session_id=sid, client_id="a", text="还有呢?", sent_at=1.0)
    stored, head, turns = repo.close_session(db, session_id=sid)
    assert stored is None and (head.id, head.persona_id, head.language) == (sid, "hospital-it-rescue", "zh")
    assert [(t.seq, t.speaker, t.text) for t in turns] == [(1, "trainee", "还有呢?")]
    db.expire_all()
    first_end = repo.get_session(db, session_id=sid).ended_at
    assert repo.get_session(db, session_id=sid).status == "ended" and first_end is not None
    repo.close_session(db, session_id=sid)
    db.expire_all()
    assert repo.get_session(db, session_id=sid).ended_at == first_end  # ended once, not again


def test_the_first_stored_scorecard_is_kept(db: Session) -> None:
    sid = new_session(db)
    first = {"overall": 55, "passed": False}
    assert repo.store_scorecard(db, session_id=sid, rubric="default", data=first) == first
    assert repo.store_scorecard(db, session_id=sid, rubric="default", data={"overall": 80, "passed": True}) == first
    assert repo.close_session(db, session_id=sid)[0] == first
    db.expire_all()
    assert repo.get_scorecard(db, session_id=sid).overall == 55


def test_a_reply_left_half_spoken_by_a_dead_worker_is_produced_again(db: Session) -> None:
    sid = new_session(db)
    repo.append_trainee_turn(db, session_id=sid, client_id="a", text="一", sent_at=1.0)
    dying = repo.claim_and_begin(db, session_id=sid, now=2.0, lease_s=5.0, owner="dead")
    assert [t.text for t in dying.pending] == ["一"] and dying.turn.seq == 2
    assert repo.renew_reply(db, session_id=sid, owner="dead", until=9.0)  # renewed while it spoke
    # The worker dies here: its lease holds until 9.0, and nobody else may answer before.
    assert repo.claim_and_begin(db, session_id=sid, now=8.0, lease_s=5.0, owner="w2") == repo.Held(9.0)
    repo.append_trainee_turn(db, session_id=sid, client_id="b", text="二", sent_at=8.5)  # typed meanwhile: seq 3
    again = repo.claim_and_begin(db, session_id=sid, now=9.5, lease_s=5.0, owner="w2")
    assert [t.text for t in again.pending] == ["一", "二"] and again.turn.seq == 4 and again.said == []
    db.expire_all()
    assert [(t.seq, t.speaker) for t in repo.list_turns(db, session_id=sid)] == [
        (1, "trainee"), (3, "trainee"), (4, "customer")]  # the empty turn 2 is gone, nothing else


def test_the_silence_claim_reads_the_session_and_clears_a_half_spoken_turn(db: Session) -> None:
    sid = new_session(db)
    repo.append_trainee_turn(db, session_id=sid, client_id="a", text="一", sent_at=1.0)
    repo.claim_and_begin(db, session_id=sid, now=2.0, lease_s=30.0, owner="dead")
    assert repo.claim_reply(db, session_id=sid, now=5.0, lease_s=30.0, owner="w2") is None  # held
    claimed = repo.claim_reply(db, session_id=sid, now=33.0, lease_s=30.0, owner="w2")
    assert (claimed.status, claimed.engine_state, claimed.pending_typing_at) == ("active", {"trust": 20}, None)
    db.expire_all()
    assert [t.seq for t in repo.list_turns(db, session_id=sid)] == [1]


def test_only_the_holder_renews_releases_or_stores_under_the_lease(db: Session) -> None:
    sid = new_session(db)
    repo.append_trainee_turn(db, session_id=sid, client_id="a", text="一", sent_at=1.0)
    stalled = repo.claim_and_begin(db, session_id=sid, now=2.0, lease_s=5.0, owner="slow").turn
    # The holder stalls past its lease; another takes the reply over (and drops the unfinished turn).
    taken = repo.claim_and_begin(db, session_id=sid, now=7.5, lease_s=5.0, owner="fast").turn
    assert taken.seq == stalled.seq == 2
    assert not repo.renew_reply(db, session_id=sid, owner="slow", until=20.0)
    repo.release_reply(db, session_id=sid, owner="slow")  # does not free the new holder's lease
    assert repo.claim_reply(db, session_id=sid, now=8.0, lease_s=5.0, owner="third") is None
    assert not repo.finish_customer_turn(db, session_id=sid, turn_id=stalled.id, text="迟到的话", ended_at=9.0,
                                         renderer="template", engine_state={"last_seq": 1, "by": "slow"}, owner="slow")
    assert repo.finish_customer_turn(db, session_id=sid, turn_id=taken.id, text="嗯", ended_at=9.0,
                                     renderer="template", engine_state={"last_seq": 1, "by": "fast"}, owner="fast")
    db.expire_all()
    chat = repo.get_session(db, session_id=sid)
    assert chat.engine_state["by"] == "fast" and (chat.reply_lease, chat.reply_owner) == (None, None)
    assert [(t.seq, t.text) for t in repo.list_turns(db, session_id=sid)] == [(1, "一"), (2, "嗯")]


def test_a_claim_names_the_replies_spoken_since_the_last_line_taken_in(db: Session) -> None:
    sid = new_session(db)
    repo.append_trainee_turn(db, session_id=sid, client_id="a", text="一", sent_at=1.0)
    first = repo.claim_and_begin(db, session_id=sid, now=2.0, lease_s=5.0, owner="tab1")
    repo.append_trainee_turn(db, session_id=sid, client_id="b", text="二", sent_at=2.5)  # sent while it speaks
    repo.finish_customer_turn(db, session_id=sid, turn_id=first.turn.id, text="嗯", ended_at=3.0, renderer="template",
                              engine_state={"last_seq": 1}, owner="tab1")
    second = repo.claim_and_begin(db, session_id=sid, now=4.0, lease_s=5.0, owner="tab2")
    assert [(t.seq, t.text) for t in second.said] == [(2, "嗯")] and [t.seq for t in second.pending] == [3]
    assert second.turn.seq == 4
