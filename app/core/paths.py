"""Where the shipped data (persona cards, prompts) and the default database live, in a source tree or
an installed wheel: found from the package, never from the working folder."""

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """The folder `name` beside the package in a checkout, else the copy bundled in the wheel."""
    source = _PACKAGE.parent / name
    return source if source.is_dir() else _PACKAGE / "_bundled" / name


def default_database_file() -> Path:
    """peilian.db at the top of a checkout (where `make run` keeps it), else in the user's data folder."""
    checkout = _PACKAGE.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout / "peilian.db"
    home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return home / "peilian" / "peilian.db"


def default_database_url() -> str:
    return f"sqlite:///{default_database_file()}"
