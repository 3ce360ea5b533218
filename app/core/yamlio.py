"""YAML with YAML 1.2 booleans: only true/false are booleans.

Persona cards use `on:` as a key (DESIGN 4.4); PyYAML's YAML 1.1 rules would read it as
True, and `no`/`yes` in a phrase bank as booleans.
"""

import re
from typing import Any

import yaml

from scoring.yamlfast import SAFE_LOADER


class _Loader(SAFE_LOADER):  # type: ignore[valid-type,misc]
    pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in SAFE_LOADER.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
