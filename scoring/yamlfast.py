"""The YAML loader every data file is read with: PyYAML's safe loader on libyaml's parser when
PyYAML was built with it (about ten times faster than the pure-Python parser; the rule tables,
cards and phrase banks are read at every start), the pure-Python one otherwise."""

from typing import Any

import yaml

SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """`yaml.safe_load`, on the faster parser."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
