"""CSV enrolment as HR does it with Excel: any encoding Excel saves, all or nothing, clean names; and
exports that open cleanly in Excel (a BOM, no microseconds, no formulas)."""

import codecs
import csv
import io
import re

import httpx
import pytest
from sqlmodel import select

from app.storage.models import Candidate, User
from tests.app.api.test_certifications import definition
from tests.utils.certification import take_attempt
from tests.utils.server import LiveServer

LINES = ["王主任您好,今天主要想听听您这边的情况。", "现在县医院和咱们之间会诊,最让您头疼的是什么?"]


@pytest.fixture
def cert_id(server: LiveServer) -> str:
    server.add_user("hr1", role="hr")
    made = server.client("hr1").post("/api/certifications", json=definition(pass_mark=0))
    assert made.status_code == 201, made.text
    return made.json()["id"]


def upload(server: LiveServer, cert_id: str, data: bytes) -> "object":
    return server.client("hr1").post(f"/api/certifications/{cert_id}/candidates.csv", content=data,
                                     headers={"Content-Type": "text/csv"})


def usernames(server: LiveServer) -> set[str]:
    with server.app.state.context.db() as db:
        return set(db.exec(select(User.username)))


# (what Excel or another tool saves, the names in it); each case has its own names
ENCODINGS = [
    ("utf-8 with BOM", lambda a, b: codecs.BOM_UTF8 + f"username\r\n{a}\r\n{b}\r\n".encode()),
    ("utf-8", lambda a, b: f"用户名\n{a}\n{b}\n".encode()),
    ("gbk (Excel CSV on Chinese Windows)", lambda a, b: f"姓名,部门\r\n{a},销售部\r\n{b},市场部\r\n".encode("gbk")),
    ("utf-16 with BOM, tab-separated (Excel Unicode text)",
     lambda a, b: f"姓名\t部门\r\n{a}\t销售部\r\n{b}\t市场部\r\n".encode("utf-16")),
    ("utf-16-le without BOM", lambda a, b: f"username\n{a}\n{b}\n".encode("utf-16-le")),
]


def test_every_encoding_excel_saves_is_read(server: LiveServer, cert_id: str) -> None:
    expected = {"hr1"}
    for index, (label, encode) in enumerate(ENCODINGS):
        names = [f"张伟{index}", f"li.na{index}"]
        response = upload(server, cert_id, encode(*names))
        assert response.status_code == 200, (label, response.text)
        assert sorted(c["username"] for c in response.json()["created"]) == sorted(names), label
        assert sorted(response.json()["enrolled"]) == sorted(names), label
        expected |= set(names)
        assert usernames(server) == expected, label  # no "\ufeffusername", no mojibake


def test_an_unreadable_file_is_a_clear_422(server: LiveServer, cert_id: str) -> None:
    response = upload(server, cert_id, b"\xff\xfe\x00")
    assert response.status_code == 422 and response.json()["detail"]["code"] == "bad_csv"


BAD_NAMES = [("bad\x00name", "U+0000"), ("bell\x07", "U+0007"), ("zero\u200bwidth", "U+200B"),
             ("rtl\u202egnp.exe", "U+202E"), ("isolate\u2066x", "U+2066"), ("joiner\u200dx", "U+200D"),
             ("mark\u200fx", "U+200F"), ("line\u2028x", "U+2028"), ("bom\ufeffinside", "U+FEFF"), ("tab\tinside", None)]


def test_a_bad_row_creates_nothing_and_names_the_row(server: LiveServer, cert_id: str) -> None:
    for name, code in BAD_NAMES:
        response = upload(server, cert_id, f"username\nfirst.ok\nsecond.ok\n{name}\nlast.ok\n".encode())
        assert response.status_code == 422, (name, response.text)
        message = response.json()["detail"]["message"]
        assert "第 4 行" in message and "row 4" in message and "未创建" in message and "nothing was created" in message
        assert code is None or code in message, name
        assert usernames(server) == {"hr1"}, name  # the good rows before and after it created nothing
    with server.app.state.context.db() as db:
        assert db.exec(select(Candidate)).all() == []


def test_every_bad_row_is_named(server: LiveServer, cert_id: str) -> None:
    response = upload(server, cert_id, "a\u200b\nfine\nb\x01\n".encode())
    message = response.json()["detail"]["message"]
    assert response.status_code == 422 and "row 1" in message and "row 3" in message and "row 2" not in message


def test_names_are_stored_in_one_spelling(server: LiveServer, cert_id: str) -> None:
    decomposed = "Zoe\u0308"  # e + combining diaeresis
    first = upload(server, cert_id, f"{decomposed}\n".encode())
    assert [c["username"] for c in first.json()["created"]] == ["Zoë"]
    again = upload(server, cert_id, "Zoë\n".encode())
    assert again.json()["created"] == [] and again.json()["already"] == ["Zoë"]


async def test_the_results_export_opens_cleanly_in_excel(server: LiveServer, cert_id: str) -> None:
    names = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd", "-2+3", "@SUM(A1)", "张伟"]
    sheet = io.StringIO()
    csv.writer(sheet).writerows([["username"], *([n] for n in names)])
    created = upload(server, cert_id, sheet.getvalue().encode("gbk"))
    assert created.status_code == 200, created.text
    passwords = {c["username"]: c["one_time_password"] for c in created.json()["created"]}
    assert set(passwords) == set(names)
    zhang = httpx.Client(base_url=server.url)  # the candidate signs in and sets a password of their own
    zhang.post("/api/auth/login", json={"username": "张伟", "password": passwords["张伟"]}).raise_for_status()
    zhang.post("/api/auth/password", json={"current_password": passwords["张伟"],
                                           "new_password": "zhang-wei-own-secret"}).raise_for_status()
    server.clients["张伟"] = zhang
    await take_attempt(server, cert_id, "张伟", LINES)

    exported = server.get(f"/api/certifications/{cert_id}/results.csv", "hr1")
    assert exported.status_code == 200 and exported.content.startswith(codecs.BOM_UTF8)
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    cells = {row["candidate"] for row in table}
    assert cells == {"'=HYPERLINK(\"http://evil.example\",\"x\")", "'+cmd", "'-2+3", "'@SUM(A1)", "张伟"}
    dated = [row["date"] for row in table if row["date"]]
    assert len(dated) == 1 and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", dated[0])  # no microseconds, no zone
    api_row = next(r for r in server.get(f"/api/certifications/{cert_id}/results", "hr1").json() if r["candidate"] == "张伟")
    assert api_row["date"].replace("T", " ").startswith(dated[0])
