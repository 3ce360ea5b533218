"""A pattern's trie and required literals are kept in the user's cache folder between processes."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scoring.labeller.derived import Derived, cache_dir
from scoring.labeller.factor import factor
from scoring.labeller.prefilter import branches, longest, required

SOURCE = r"\b(?:worried|concerned|nervous)\b.{0,40}(?:you personally|your team)"
LOAD = "from scoring.labeller.engine import label; print(label('您现在最担心的是什么?', 'zh'))"  # the Chinese table


def _file(folder: Path) -> Path:
    files = list(folder.glob("patterns-*.json"))
    assert len(files) == 1, files
    return files[0]


def test_the_first_process_writes_what_it_worked_out_and_the_next_reads_it(tmp_path: Path) -> None:
    env = {**os.environ, "PEILIAN_CACHE_DIR": str(tmp_path / "cache")}
    first = subprocess.run([sys.executable, "-c", LOAD], env=env, capture_output=True, text=True, check=True)
    entries = json.loads(_file(tmp_path / "cache").read_text(encoding="utf-8"))
    assert len(entries) > 150  # every pattern of the labeller's Chinese table
    factored, needs, most, parts = next(iter(entries.values()))
    assert needs is None or needs == sorted(required(re.compile(factored)))
    assert most == longest(re.compile(factored))
    assert parts is None or [p[0] for p in parts] == [p[0] for p in branches(re.compile(factored))]
    stamp = _file(tmp_path / "cache").stat().st_mtime_ns
    second = subprocess.run([sys.executable, "-c", LOAD], env=env, capture_output=True, text=True, check=True)
    assert second.stdout == first.stdout  # the same readings from the kept entries
    assert _file(tmp_path / "cache").stat().st_mtime_ns == stamp  # nothing new to write


def test_an_entry_is_read_from_the_file_by_its_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEILIAN_CACHE_DIR", str(tmp_path))
    older = tmp_path / "patterns-0123456789abcdef.json"  # left by an earlier version of the code
    older.write_text("{}", encoding="utf-8")
    writer = Derived()
    factored, needs, _, parts = writer.get(SOURCE)
    assert factored == factor(SOURCE) and needs == required(re.compile(factored))
    assert parts == branches(re.compile(factored))
    assert needs and all(literal in "worried about you personally, concerned for your team" for literal in needs)
    writer.save()
    assert cache_dir() == tmp_path and _file(tmp_path).exists() and not older.exists()
    reader = Derived()
    assert reader.get(SOURCE) == (factored, needs, len("concerned") + 40 + len("you personally"), parts)
    assert reader._new == 0  # read, not worked out


def test_a_broken_or_unwritable_file_is_only_a_slower_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEILIAN_CACHE_DIR", str(tmp_path))
    Derived().get(SOURCE)  # only to learn the file's name
    writer = Derived()
    writer.get(SOURCE)
    writer.save()
    path = _file(tmp_path)
    path.write_text("{not json", encoding="utf-8")
    again = Derived()
    assert again.get(SOURCE)[:2] == (factor(SOURCE), required(re.compile(factor(SOURCE))))
    again.save()
    assert len(json.loads(path.read_text(encoding="utf-8"))) == 1  # rewritten whole

    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("PEILIAN_CACHE_DIR", str(blocked / "cache"))  # a folder cannot be made under a file
    nowhere = Derived()
    assert nowhere.get(SOURCE)[0] == factor(SOURCE)
    nowhere.save()  # no error: the next process works it out again


def test_a_pattern_cut_into_its_alternatives_is_kept_with_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The alternatives a pattern is searched by, and the literals each needs, come back from the file as worked out."""
    monkeypatch.setenv("PEILIAN_CACHE_DIR", str(tmp_path))
    source = SOURCE + r"|\s+at risk for you\b"  # the second starts with a wide class: tried at every position
    writer = Derived()
    factored, _, _, parts = writer.get(source)
    assert parts is not None and len(parts) == 2
    assert parts[1] == (r"\s+at risk for you\b", frozenset({"at risk for you"}), None)  # \s+: no bound
    writer.save()
    assert Derived().get(source) == writer.get(source)
