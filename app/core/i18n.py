"""The UI's words: one gettext catalogue per language, `app/locale/<lang>/LC_MESSAGES/messages.po`.

A msgid is the dotted path the pages use (`cert.title`, `errors.no_session`), the msgstr its text
in that language. Templates and page scripts get one nested dict per language ({{ t.cert.title }},
`T.cert.title`); API errors take their message from the `errors` section. `peilian i18n check`
lists what is wrong with the catalogues (keys or placeholders that differ between languages,
half-width punctuation in Chinese); `peilian i18n add FILE.json` folds new strings into them (and,
with --update, changed ones).
"""

import io
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LANGUAGES = ("zh", "en")
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
PLACEHOLDER = re.compile(r"\{(\w*)\}")
CJK = r"\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
FULL_WIDTH = str.maketrans({",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"})
# A half-width mark that touches a Chinese character, or a half-width pair of brackets next to or
# around Chinese text. ASCII next to ASCII (`extends: default`, `turns.{seq}`) is left alone.
_HALF_MARK = re.compile(rf"(?<=[{CJK}])[,:;!?]|[,:;!?](?=[{CJK}])")
_HALF_PAIR = re.compile(rf"(?<=[{CJK}])\([^()]*\)|\([^()]*\)(?=[{CJK}])|\([^()]*[{CJK}][^()]*\)")


def po_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / "messages.po"


def read_flat(lang: str, locale_dir: Path = LOCALE_DIR) -> dict[str, str]:
    """msgid -> msgstr, in the file's order."""
    with po_path(lang, locale_dir).open("rb") as f:
        catalog = read_po(f, locale=lang)
    return {m.id: m.string for m in catalog if m.id and isinstance(m.id, str) and isinstance(m.string, str)}


def write_flat(lang: str, strings: dict[str, str], locale_dir: Path = LOCALE_DIR) -> None:
    """Write the catalogue of one language, unwrapped so that a change is a one-line diff."""
    catalog = Catalog(locale=lang, domain="messages", project="Peilian", version="1", fuzzy=False,
                      header_comment=f"# Peilian (陪练) UI strings, {lang}. msgid: the dotted key the pages use.")
    for key, text in strings.items():
        catalog.add(key, text)
    out = io.BytesIO()
    write_po(out, catalog, width=0, omit_header=False)
    path = po_path(lang, locale_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Dates and template fields would change or mean nothing; keep the header stable and short.
    text = re.sub(r'"(POT-Creation-Date|PO-Revision-Date|Report-Msgid-Bugs-To|Last-Translator|Language-Team|'
                  r'Generated-By): [^"]*\\n"\n', "", out.getvalue().decode("utf-8"))
    path.write_text(text, encoding="utf-8")


def nest(flat: dict[str, str]) -> dict[str, Any]:
    """`{"cert.title": x}` -> `{"cert": {"title": x}}`."""
    tree: dict[str, Any] = {}
    for key, text in flat.items():
        *parents, leaf = key.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = text
    return tree


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


@lru_cache
def strings(lang: str) -> dict[str, Any]:
    """The nested strings of one language, read once per process."""
    return nest(read_flat(lang))


def message(lang: str, key: str, **params: Any) -> str:
    """One string by its dotted key, with `{name}` placeholders filled in."""
    node: Any = strings(lang)
    for part in key.split("."):
        node = node[part]
    return str(node).format(**params) if params else str(node)


def half_width(text: str) -> list[str]:
    """The half-width punctuation in a Chinese string that should be full-width (，：；！？（）)."""
    return [m.group(0) for m in _HALF_MARK.finditer(text)] + [m.group(0) for m in _HALF_PAIR.finditer(text)]


def to_full_width(text: str) -> str:
    """The same string with the punctuation `half_width` finds made full-width."""
    text = _HALF_PAIR.sub(lambda m: m.group(0).translate(FULL_WIDTH), text)
    return _HALF_MARK.sub(lambda m: m.group(0).translate(FULL_WIDTH), text)


def problems(catalogues: dict[str, dict[str, str]]) -> list[str]:
    """What is wrong with a set of flat catalogues: a key in one language only, placeholders that
    differ, an empty string, half-width punctuation in Chinese, Chinese characters in English."""
    found = []
    zh, en = catalogues["zh"], catalogues["en"]
    for key in zh.keys() - en.keys():
        found.append(f"{key}: only in zh")
    for key in en.keys() - zh.keys():
        found.append(f"{key}: only in en")
    for key in zh.keys() & en.keys():
        if set(PLACEHOLDER.findall(zh[key])) != set(PLACEHOLDER.findall(en[key])):
            found.append(f"{key}: placeholders differ: zh {zh[key]!r}, en {en[key]!r}")
    for lang, flat in catalogues.items():
        found += [f"{key}: empty in {lang}" for key, text in flat.items() if not text.strip()]
    for key, text in zh.items():
        if marks := half_width(text):
            found.append(f"{key}: half-width {' '.join(marks)} in zh {text!r}")
    for key, text in en.items():
        if re.search(f"[{CJK}]", text) and key != "switch_language":  # the link names the other language
            found.append(f"{key}: Chinese characters in en {text!r}")
    return sorted(found)


def add_strings(new: dict[str, Any], locale_dir: Path = LOCALE_DIR, *, base: dict[str, Any] | None = None,
                update: bool = False) -> dict[str, dict[str, list[str]]]:
    """Fold `{"zh": {...}, "en": {...}}` (the shape of the former app/static/i18n.json, nested or
    dotted keys) into the catalogues: keys they lack are appended; a key whose text differs is
    reported, and replaced only with `update`. With `base` (the file the strings were written
    against), only what differs from it is considered: a branch's additions and edits, not the
    strings it merely carried. Chinese punctuation is made full-width on the way in.
    Returns the keys `added` and `changed` (differing) per language."""
    report: dict[str, dict[str, list[str]]] = {}
    for lang in LANGUAGES:
        current = read_flat(lang, locale_dir)
        before = flatten((base or {}).get(lang, {}))
        incoming = {k: (to_full_width(v) if lang == "zh" else v) for k, v in flatten(new.get(lang, {})).items()
                    if before.get(k) != v}
        fresh = {k: v for k, v in incoming.items() if k not in current}
        changed = {k: v for k, v in incoming.items() if k in current and current[k] != v}
        if fresh or (update and changed):
            write_flat(lang, current | (changed if update else {}) | fresh, locale_dir)
        report[lang] = {"added": list(fresh), "changed": list(changed)}
    strings.cache_clear()
    return report


def accept_language(header: str | None) -> str | None:
    """The first of our languages in an Accept-Language header, by q-value (zh for zh-CN, zh-TW…;
    en for en-US…); None when it names none of them."""
    best: tuple[float, int, str] | None = None
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if lang in LANGUAGES and q > 0 and (best is None or (-q, index) < (-best[0], best[1])):
            best = (q, index, lang)
    return best[2] if best else None


def choose_language(candidates: Iterable[str | None], accept: str | None, default: str) -> str:
    """The first known language among explicit choices (?lang=, the cookie), else the browser's
    Accept-Language, else the configured default, else Chinese."""
    for candidate in (*candidates, accept_language(accept), default):
        if candidate in LANGUAGES:
            return candidate
    return "zh"
