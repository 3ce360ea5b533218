"""The installed `peilian` command, run as a user would, from an unrelated working directory."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scoring import load_rubric
from tests.utils.process import CHEAP_HASHING

PEILIAN = shutil.which("peilian", path=str(Path(sys.executable).parent)) or "peilian"
REPO = Path(__file__).resolve().parents[2]


def run(args: list[str], cwd: Path, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PEILIAN, *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=60,
        env={**os.environ, **CHEAP_HASHING, **(env or {})},
    )


TRANSCRIPT = {
    "session_id": "cli-1",
    "persona_id": "hospital-it-rescue",
    "language": "zh",
    "turns": [
        {"seq": 1, "speaker": "trainee", "text": "现在会诊最让您头疼的是什么?", "typing_started_at": 1.0, "sent_at": 3.0},
        {"seq": 2, "speaker": "customer", "text": "片子传得太慢。", "started_at": 4.0, "ended_at": 6.0},
        {"seq": 3, "speaker": "trainee", "text": "下周三上午能请您提供近三个月的故障记录吗?", "typing_started_at": 11.0, "sent_at": 13.0},
        {"seq": 4, "speaker": "customer", "text": "可以,下周三上午我让人整理好发给你。", "started_at": 14.0, "ended_at": 16.0},
    ],
}


def test_classify_reads_lines_and_prints_json_lines(tmp_path: Path) -> None:
    result = run(["classify", "--lang", "zh"], tmp_path, stdin="还有呢?\n\n我们的系统支持4K拼接。\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows == [
        {"text": "还有呢?", "label": "extension", "topic": None},
        {"text": "我们的系统支持4K拼接。", "label": "statement", "topic": None},
    ]


def test_classify_english_and_explain(tmp_path: Path) -> None:
    result = run(["classify", "--lang", "en", "--explain"], tmp_path, stdin="Tell me more.\n")
    row = json.loads(result.stdout)
    assert row["label"] == "extension" and row["rule"] and row["reason"]


def test_classify_rejects_an_unknown_language(tmp_path: Path) -> None:
    result = run(["classify", "--lang", "fr"], tmp_path, stdin="bonjour\n")
    assert result.returncode == 2 and "zh or en" in result.stderr


def test_grade_files_and_stdin(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(TRANSCRIPT, ensure_ascii=False), encoding="utf-8")
    result = run(["grade", str(path), "-"], tmp_path, stdin=json.dumps(TRANSCRIPT))
    assert result.returncode == 0, result.stderr
    cards = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(cards) == 2 and cards[0] == cards[1]
    card = cards[0]
    assert card["session_id"] == "cli-1"
    assert card["commitment"]["requested"] and card["commitment"]["secured"] and card["commitment"]["seq"] == 4
    assert card["silence"]["after_answer"] == {"held": 1, "missed": 0}
    assert card["counts"]["exploratory"] == 1 and card["counts"]["commitment_request"] == 1
    # fields added to DESIGN 4.1b: the rubric's pass mark, weights and minimums, and the next steps by rule id
    rubric = load_rubric()
    assert (card["pass_mark"], card["weights"], card["min_dimension"]) == (
        rubric.pass_mark, rubric.weights, rubric.min_dimension)
    assert 1 <= len(card["next_steps"]) <= 3
    assert all(step["rule"] in rubric.points and step["seq"] in (1, 3) for step in card["next_steps"])


def test_grade_names_the_bad_file_and_field_and_goes_on(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(TRANSCRIPT), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"turns": [{"seq": "x", "speaker": "trainee", "text": "hi"}]}), encoding="utf-8")
    result = run(["grade", str(bad), str(good), str(tmp_path / "missing.json")], tmp_path)
    assert result.returncode == 1
    assert "bad.json: turns.0.seq" in result.stderr and "missing.json: cannot read" in result.stderr
    assert json.loads(result.stdout)["session_id"] == "cli-1"


def test_personas_check_passes_on_the_shipped_cards(tmp_path: Path) -> None:
    result = run(["personas", "check"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "hospital-it-rescue" in result.stdout and "persona cards are valid" in result.stdout


def test_personas_check_names_file_and_field(tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    shutil.copytree(REPO / "personas", cards)
    broken = (cards / "hospital-it-rescue.yaml").read_text(encoding="utf-8").replace("motive: rescue", "motive: greedy")
    (cards / "hospital-it-rescue.yaml").write_text(broken, encoding="utf-8")
    result = run(["personas", "check", "--dir", str(cards)], tmp_path)
    assert result.returncode == 1
    assert "hospital-it-rescue.yaml: motive:" in result.stderr


def test_personas_check_names_every_error_of_every_card(tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    shutil.copytree(REPO / "personas", cards)
    hospital = (cards / "hospital-it-rescue.yaml").read_text(encoding="utf-8")
    hospital = hospital.replace("subject: budget", "subject: money").replace("  other_person:", "  other_persn:")
    hospital = hospital.replace("    paraphrases:\n      - 县医院那边传上来的影像", "    paraphrasez:\n      - 县医院那边传上来的影像")
    (cards / "hospital-it-rescue.yaml").write_text(hospital, encoding="utf-8")
    farm = (cards / "farm-irrigation-balanced.yaml").read_text(encoding="utf-8").replace("small: true", "small: false")
    (cards / "farm-irrigation-balanced.yaml").write_text(farm, encoding="utf-8")
    result = run(["personas", "check", "--dir", str(cards)], tmp_path)
    assert result.returncode == 1
    assert "hospital-it-rescue.yaml: facts.0.paraphrases: Field required" in result.stderr
    assert "hospital-it-rescue.yaml: facts.4.subject: 'money' is not a fact subject" in result.stderr
    assert "farm-irrigation-balanced.yaml: commitments:" in result.stderr and "small" in result.stderr
    assert "2 of 12 persona cards have errors" in result.stderr
    assert "ok  school-analytics-growth" in result.stdout


SCRIPT = {"lines": [
    {"text": "王主任您好,今天主要想听听您这边的情况。", "pause_s": 1.0},
    {"text": "现在远程会诊这块,最让您头疼的是什么?", "pause_s": 4.5, "typing_s": 3.0},
    {"text": "您接着说。", "pause_s": 4.5},
    {"text": "预算方面院里是怎么安排的?", "pause_s": 2.0},
]}


def test_simulate_a_script_prints_the_transcript_with_acts_and_its_scorecard(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SCRIPT, ensure_ascii=False), encoding="utf-8")
    result = run(["simulate", "--persona", "hospital-it-rescue", "--script", str(script), "--seed", "4"], tmp_path)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"transcript", "scorecard"}
    turns = out["transcript"]["turns"]
    trainee = [t for t in turns if t["speaker"] == "trainee"]
    assert [t["text"] for t in trainee] == [line["text"] for line in SCRIPT["lines"]]
    assert all(t["acts"] for t in turns if t["speaker"] == "customer")
    assert trainee[1]["sent_at"] - trainee[1]["typing_started_at"] == 3.0  # typing_s
    assert trainee[0]["sent_at"] - trainee[0]["typing_started_at"] == 2.0  # the default typing time
    obstacle = next(t for t in turns if t["speaker"] == "customer" and t["seq"] > trainee[1]["seq"])
    assert obstacle["acts"][0] == {"kind": "reveal", "fact": "consult-delay", "subject": "obstacle"}
    assert out["scorecard"]["source"] == "acts" and out["scorecard"]["session_id"] == out["transcript"]["session_id"]
    again = run(["simulate", "--persona", "hospital-it-rescue", "--script", str(script), "--seed", "4"], tmp_path)
    assert again.stdout == result.stdout  # same seed, same output


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("not json", "(document)"),
        (json.dumps({"lines": []}), "lines: List should have at least 1 item"),
        (json.dumps({"lines": [{"text": "你好"}]}), "lines.0.pause_s: Field required"),
        (json.dumps({"lines": [{"text": "你好", "pause_s": -1}]}), "lines.0.pause_s: Input should be greater than"),
    ],
)
def test_simulate_names_what_is_wrong_with_a_script(tmp_path: Path, content: str, error: str) -> None:
    script = tmp_path / "script.json"
    script.write_text(content, encoding="utf-8")
    result = run(["simulate", "--persona", "hospital-it-rescue", "--script", str(script)], tmp_path)
    assert result.returncode == 1 and error in result.stderr, result.stderr


def test_simulate_refuses_an_unknown_persona_or_two_sources(tmp_path: Path) -> None:
    result = run(["simulate", "--persona", "nobody", "--strategy", "good"], tmp_path)
    assert result.returncode == 1 and "no persona 'nobody'" in result.stderr and "hospital-it-rescue" in result.stderr
    result = run(["simulate", "--persona", "hospital-it-rescue"], tmp_path)
    assert result.returncode == 2 and "exactly one of --strategy or --script" in result.stderr
    missing = run(["simulate", "--persona", "hospital-it-rescue", "--script", str(tmp_path / "nope.json")], tmp_path)
    assert missing.returncode == 1 and "cannot read" in missing.stderr


def test_serve_refuses_to_start_on_a_broken_card(tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    shutil.copytree(REPO / "personas", cards)
    text = (cards / "hospital-it-rescue.yaml").read_text(encoding="utf-8").replace("stage: 3", "stage: 12")
    (cards / "hospital-it-rescue.yaml").write_text(text, encoding="utf-8")
    result = run(["serve", "--port", "0"], tmp_path, env={"PEILIAN_PERSONAS_DIR": str(cards)})
    assert result.returncode == 1
    assert "hospital-it-rescue.yaml: stage:" in result.stderr


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    result = run(["serve", "--port", "0", "--workers", "2"], tmp_path,
                 env={"DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"})
    assert result.returncode == 1 and "several workers need PostgreSQL" in result.stderr
    assert not (tmp_path / "w.db").exists()  # refused before touching anything


def test_serve_answers_http(tmp_path: Path) -> None:
    import socket
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [PEILIAN, "serve", "--port", str(port)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"},
    )
    try:
        for _ in range(200):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/login", timeout=1, follow_redirects=True)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("peilian serve did not answer")
        # A fresh database has no account: the first visit is sent to create the admin.
        assert response.status_code == 200 and str(response.url).endswith("/setup")
        assert (tmp_path / "serve.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_classify_eval_prints_agreement_and_confusion(tmp_path: Path) -> None:
    labelled = tmp_path / "mini.tsv"
    labelled.write_text("text\tlabel\ttopic\tnote\n还有呢?\textension\t\t\n我们的系统很好。\tstatement\t\tpitch\n"
                        "预算是多少?\tcommitment_request\t\tdeliberately wrong\n", encoding="utf-8")
    result = run(["classify", "--eval", str(labelled)], tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "language zh: 2/3 agree" in out
    assert "confusion" in out and "precision" in out and "recall" in out
    assert "commitment_request -> exploratory" in out


def test_classify_eval_reads_the_shared_question_sets(tmp_path: Path) -> None:
    """The AnnoMI and CPED formats (../shared/data) print question detection beside the baseline."""
    annomi = tmp_path / "annomi_mini.tsv"
    annomi.write_text("transcript\tquestion\tquestion_subtype\treflection\tmain_behaviour\ttext\n"
                      "0\t1\topen\t0\tquestion\tTell me a little bit about your team.\n"
                      "0\t1\tclosed\t1\treflection\tSo you're worried about cost?\n"
                      "2\t0\tn/a\t0\ttherapist_input\tWhat we usually see is a 20% drop.\n", encoding="utf-8")
    result = run(["classify", "--eval", str(annomi), "--misses", "all"], tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "question detection on annomi_mini.tsv (annomi, en): 2 lines, 1 reflections left out" in out
    assert 'baseline: contains "?"' in out and "tune" in out and "measure" in out
    assert "disagreements on all (0;" in out
    cped = tmp_path / "cped_mini.tsv"
    cped.write_text("question\ttext\n1\t王总那边批了没有\n0\t我不知道他去哪了\n1\t你原谅我了\n", encoding="utf-8")
    result = run(["classify", "--eval", str(cped), "--misses", "tune"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "(cped, zh): 3 lines" in result.stdout and "baseline: re.search(" in result.stdout
    assert "question -> statement" in result.stdout and "你原谅我了" in result.stdout
    bad = run(["classify", "--eval", str(cped), "--misses", "some"], tmp_path)
    assert bad.returncode == 2 and "tune, measure or all" in bad.stderr


def test_classify_eval_names_a_bad_label(tmp_path: Path) -> None:
    labelled = tmp_path / "bad.tsv"
    labelled.write_text("text\tlabel\ttopic\tnote\nhello\tgreeting\t\t\n", encoding="utf-8")
    result = run(["classify", "--eval", str(labelled)], tmp_path)
    assert result.returncode == 1 and "line 2: label 'greeting'" in result.stderr


def test_users_add_with_and_without_a_password_option(tmp_path: Path) -> None:
    from sqlmodel import Session

    from app.accounts.passwords import verify_password
    from app.accounts.service import get_user
    from app.storage.db import make_engine

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'users.db'}"}
    coach = run(["users", "add", "laoshi", "--role", "coach", "--password", "coach-password"], tmp_path, env=env)
    assert coach.returncode == 0, coach.stderr
    prompted = run(["users", "add", "alice", "--coach", "laoshi"], tmp_path, stdin="alice-password\nalice-password\n",
                   env=env)
    assert prompted.returncode == 0, prompted.stderr
    assert "added alice (trainee, coach laoshi)" in prompted.stdout
    duplicate = run(["users", "add", "alice", "--password", "whatever-pw"], tmp_path, env=env)
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    bad_coach = run(["users", "add", "bob", "--password", "bob-password", "--coach", "alice"], tmp_path, env=env)
    assert bad_coach.returncode == 1 and "'alice' is not a coach" in bad_coach.stderr
    bad_role = run(["users", "add", "eve", "--role", "boss", "--password", "eve-password"], tmp_path, env=env)
    assert bad_role.returncode == 1 and "role must be one of" in bad_role.stderr
    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as db:
        alice = get_user(db, username="alice")
        assert alice.role == "trainee" and verify_password(alice.password_hash, "alice-password")
        assert alice.coach_id == get_user(db, username="laoshi").id
    engine.dispose()


def test_users_list_reset_password_and_set_coach(tmp_path: Path) -> None:
    from sqlmodel import Session

    from app.accounts.passwords import verify_password
    from app.accounts.service import create_user, get_user
    from app.storage.db import make_engine, migrate

    database = tmp_path / "users.db"
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    engine = make_engine(env["DATABASE_URL"])
    migrate(engine)
    with Session(engine) as db:
        for name, role, coach in (("laoshi", "coach", None), ("laoshi2", "coach", None), ("alice", "trainee", "laoshi")):
            create_user(db, username=name, password="long-enough-pw", role=role, coach=coach)
    listed = run(["users", "list"], tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    assert f"database: {database}" in listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert rows[0] == ["username", "role", "coach", "status", "password"]
    assert rows[1:] == [["alice", "trainee", "laoshi", "active", "ok"], ["laoshi", "coach", "-", "active", "ok"],
                        ["laoshi2", "coach", "-", "active", "ok"]]
    as_json = [json.loads(line) for line in run(["users", "list", "--json"], tmp_path, env=env).stdout.splitlines()]
    assert [(u["username"], u["coach"]) for u in as_json] == [("alice", "laoshi"), ("laoshi", None), ("laoshi2", None)]

    reset = run(["users", "reset-password", "alice"], tmp_path, env=env)
    assert reset.returncode == 0, reset.stderr
    password = reset.stdout.split("one-time password of alice: ")[1].split()[0]
    moved = run(["users", "set-coach", "alice", "laoshi2"], tmp_path, env=env)
    assert moved.returncode == 0 and "alice: coach laoshi2" in moved.stdout
    with Session(engine) as db:
        alice = get_user(db, username="alice")
        assert verify_password(alice.password_hash, password) and alice.must_change_password
        assert alice.coach_id == get_user(db, username="laoshi2").id

    not_a_coach = run(["users", "set-coach", "laoshi", "alice"], tmp_path, env=env)
    assert not_a_coach.returncode == 1 and "'alice' is not a coach" in not_a_coach.stderr
    removed = run(["users", "set-coach", "alice", "--remove"], tmp_path, env=env)
    assert removed.returncode == 0 and "alice: no coach" in removed.stdout
    unknown = run(["users", "reset-password", "nobody"], tmp_path, env=env)
    assert unknown.returncode == 1 and "no user named 'nobody'" in unknown.stderr
    with Session(engine) as db:
        assert get_user(db, username="alice").coach_id is None
    engine.dispose()


def test_users_commands_open_the_servers_database_from_any_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.core.config import Settings
    from app.storage.db import sqlite_file

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(elsewhere)
    servers = sqlite_file(Settings().database_url)  # what `peilian serve` opens, with no DATABASE_URL
    assert servers == REPO / "peilian.db"  # beside the checkout, not in the working folder
    existed = servers.exists()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run([PEILIAN, "users", "list"], capture_output=True, text=True, cwd=elsewhere, timeout=60, env=env)
    assert f"database: {servers}" in result.stderr or f"no database at {servers}" in result.stderr
    assert result.returncode == (0 if existed else 1)
    assert list(elsewhere.iterdir()) == []  # no new, empty database where the command ran
    assert servers.exists() == existed

    missing = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'nothing-here.db'}"}
    refused = subprocess.run([PEILIAN, "users", "reset-password", "x"], capture_output=True, text=True, cwd=elsewhere,
                             timeout=60, env=missing)
    assert refused.returncode == 1 and f"no database at {tmp_path / 'nothing-here.db'}" in refused.stderr
    assert not (tmp_path / "nothing-here.db").exists()


def test_train_labeller_names_a_missing_corpus(tmp_path: Path) -> None:
    result = run(["train-labeller", "--data", str(tmp_path), "--out", str(tmp_path / "w")], tmp_path)
    assert result.returncode == 1
    assert "labels_zh.tsv" in result.stderr and "--data" in result.stderr
    assert not (tmp_path / "w").exists()  # nothing written, nothing lost
