"""What compiling a cue pattern works out from its source, kept on disk from one process to the next.

Every process that labels (the server, each `peilian grade`, each test worker) compiles the
cue tables: several hundred patterns, many of them word lists thousands of characters long.
Writing each as a trie (`factor`), finding the literals its matches need (`required`), its
longest match (`longest`) and the alternatives it is searched by (`branches`) costs more than
compiling it. All depend only on the pattern's source and on the code that works them out, so,
like Python's own bytecode cache, they are kept in a file under the user's cache folder
(`$PEILIAN_CACHE_DIR`, else `$XDG_CACHE_HOME/peilian`, else `~/.cache/peilian`), keyed by a
digest of the source, in a file named for a digest of that code. A file that cannot be read or
written is only a slower start: everything is worked out again.
"""

import hashlib
import json
import os
import re
import tempfile
import threading
from functools import cache
from pathlib import Path
from typing import NamedTuple

from scoring.labeller import factor as _factor_module
from scoring.labeller import prefilter as _prefilter_module
from scoring.labeller.factor import factor
from scoring.labeller.prefilter import Parts, branches, longest, required

_KEPT = 20_000  # entries kept in the file: every table's patterns, with room for cards and older versions


@cache
def _code_digest() -> str:
    """Names the file: entries worked out by other code (another factor or prefilter) are not read."""
    code = b"".join(Path(m.__file__).read_bytes() for m in (_factor_module, _prefilter_module))  # type: ignore[arg-type]
    return hashlib.sha256(code).hexdigest()[:16]


def cache_dir() -> Path:
    if folder := os.environ.get("PEILIAN_CACHE_DIR"):
        return Path(folder)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "peilian"


class Worked(NamedTuple):
    """A pattern source worked out: written as a trie; the literals one of which its every match
    holds (None: none known); the most characters a match holds (None: no bound); its alternatives,
    each with the literals it needs and its longest match (`branches`; None: searched whole)."""

    factored: str
    needs: frozenset[str] | None
    longest: int | None
    parts: Parts | None


def _literals(listed: list[str] | None) -> frozenset[str] | None:
    return None if listed is None else frozenset(listed)


def _listed(literals: frozenset[str] | None) -> list[str] | None:
    return None if literals is None else sorted(literals)


class Derived:
    """A pattern source's trie and required literals, from the file when it holds them."""

    def __init__(self) -> None:
        self._entries: dict[str, list] | None = None
        self._new = 0
        self._lock = threading.Lock()

    def _path(self) -> Path:
        return cache_dir() / f"patterns-{_code_digest()}.json"

    def _loaded(self) -> dict[str, list]:
        if self._entries is None:
            try:
                entries = json.loads(self._path().read_text(encoding="utf-8"))
                self._entries = entries if isinstance(entries, dict) else {}
            except (OSError, ValueError):
                self._entries = {}
        return self._entries

    def get(self, source: str) -> Worked:
        """What compiling `source` works out (`Worked`), from the file when it holds it."""
        key = hashlib.sha256(source.encode("utf-8")).hexdigest()[:32]
        with self._lock:
            entry = self._loaded().get(key)
        if isinstance(entry, list) and len(entry) == 4 and isinstance(entry[0], str):
            parts = None if entry[3] is None else tuple((part, _literals(needs), most) for part, needs, most in entry[3])
            return Worked(entry[0], _literals(entry[1]), entry[2], parts)
        factored = factor(source)
        compiled = re.compile(factored)
        worked = Worked(factored, required(compiled), longest(compiled), branches(compiled))
        with self._lock:
            self._loaded()[key] = [factored, _listed(worked.needs), worked.longest,
                                   None if worked.parts is None else [[part, _listed(needs), most]
                                                                      for part, needs, most in worked.parts]]
            self._new += 1
        return worked

    def save(self) -> None:
        """Write the entries worked out since the last save (atomically: readers see the old file or the new)."""
        with self._lock:
            if not self._new or self._entries is None:
                return
            path = self._path()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                try:  # another process may have saved meanwhile: keep its entries too
                    on_disk = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    on_disk = {}
                merged = {**(on_disk if isinstance(on_disk, dict) else {}), **self._entries}
                if len(merged) > _KEPT:
                    merged = dict(list(merged.items())[-_KEPT:])
                handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".patterns-", suffix=".json")
                with os.fdopen(handle, "w", encoding="utf-8") as fh:
                    json.dump(merged, fh, ensure_ascii=False)
                os.replace(temporary, path)
                self._new = 0
                for older in path.parent.glob("patterns-*.json"):  # written by an earlier version of the code
                    if older != path:
                        older.unlink(missing_ok=True)
            except OSError:
                pass  # a read-only home: the next process works them out again


DERIVED = Derived()
