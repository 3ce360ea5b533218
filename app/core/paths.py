"""Where the shipped data (persona cards, prompts) lives, in a source tree or an installed wheel."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """The folder `name` beside the package in a checkout, else the copy bundled in the wheel."""
    source = _PACKAGE.parent / name
    return source if source.is_dir() else _PACKAGE / "_bundled" / name
