"""The message catalogues: both languages hold the same keys and placeholders, Chinese uses
full-width punctuation, new strings fold in, and the browser's language is honoured."""

import json
import shutil
from pathlib import Path

import pytest

from app.core import i18n


def test_the_two_catalogues_have_the_same_keys_and_placeholders_and_chinese_is_full_width() -> None:
    catalogues = {lang: i18n.read_flat(lang) for lang in i18n.LANGUAGES}
    assert len(catalogues["zh"]) > 500
    assert i18n.problems(catalogues) == []
    # What the check catches, on a copy with one fault of each kind.
    broken = {lang: dict(flat) for lang, flat in catalogues.items()}
    broken["zh"]["only_zh"] = "只有中文"
    broken["zh"]["form_expired"] = "表单已过期,请重试"
    broken["zh"]["too_many_logins"] = "登录失败次数过多，请稍后再试"  # lost {minutes}
    broken["en"]["users_page.no_coach"] = "(无)"
    assert i18n.problems(broken) == [
        "form_expired: half-width , in zh '表单已过期,请重试'",
        "only_zh: only in zh",
        f"too_many_logins: placeholders differ: zh '登录失败次数过多，请稍后再试', en {catalogues['en']['too_many_logins']!r}",
        "users_page.no_coach: Chinese characters in en '(无)'",
    ]


@pytest.mark.parametrize(("text", "marks", "fixed"), [
    ("问对问题,才能拿到信息。", [","], "问对问题，才能拿到信息。"),
    ("确定吗?提交后不能再继续", ["?"], "确定吗？提交后不能再继续"),
    ("用打印功能(Ctrl+P)打印", ["(Ctrl+P)"], "用打印功能（Ctrl+P）打印"),
    ("不符合格式(DESIGN 4.1)", ["(DESIGN 4.1)"], "不符合格式（DESIGN 4.1）"),
    ("可用 extends: default 继承", [], "可用 extends: default 继承"),  # code stays code
    ("序号 {seq} 重复了", [], "序号 {seq} 重复了"),
])
def test_half_width_punctuation_next_to_chinese_is_found_and_made_full_width(
        text: str, marks: list[str], fixed: str) -> None:
    assert i18n.half_width(text) == marks
    assert i18n.to_full_width(text) == fixed
    assert i18n.half_width(fixed) == []


def test_new_strings_from_a_json_file_fold_into_both_catalogues(tmp_path: Path) -> None:
    """How strings written in the former app/static/i18n.json shape join the catalogues."""
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale)
    before = {lang: i18n.read_flat(lang, locale) for lang in i18n.LANGUAGES}
    old_form_expired = "表单已过期,请重试"  # as a branch made before the punctuation fix has it: not a change
    new = {"zh": {"title": "改过的标题", "form_expired": old_form_expired,
                  "cert": {"new_hint": "新的提示:请看这里(共 {n} 条)"}},
           "en": {"title": before["en"]["title"], "cert": {"new_hint": "A new hint: see here ({n} in all)"}}}
    report = i18n.add_strings(new, locale)
    assert report == {"zh": {"added": ["cert.new_hint"], "changed": ["title"]},
                      "en": {"added": ["cert.new_hint"], "changed": []}}
    after = {lang: i18n.read_flat(lang, locale) for lang in i18n.LANGUAGES}
    assert after["zh"] == before["zh"] | {"cert.new_hint": "新的提示：请看这里（共 {n} 条）"}
    assert after["en"] == before["en"] | {"cert.new_hint": "A new hint: see here ({n} in all)"}
    assert i18n.nest(after["zh"])["cert"]["new_hint"].startswith("新的提示")
    assert i18n.problems(after) == []
    # Again: nothing more is added and the files do not change; --update takes the changed title.
    text = i18n.po_path("zh", locale).read_text(encoding="utf-8")
    assert i18n.add_strings(json.loads(json.dumps(new)), locale)["zh"] == {"added": [], "changed": ["title"]}
    assert i18n.po_path("zh", locale).read_text(encoding="utf-8") == text
    i18n.add_strings(new, locale, update=True)
    assert i18n.read_flat("zh", locale)["title"] == "改过的标题"
    # With the file the branch started from, only what the branch changed counts: a string it
    # carried unchanged (one since removed from the catalogues) does not come back.
    base = {"zh": {"gone": "已删除", "title": "改过的标题"}, "en": {"gone": "removed"}}
    branch = {"zh": {"gone": "已删除", "title": "改过的标题", "late": "后加的"}, "en": {"gone": "removed", "late": "late"}}
    assert i18n.add_strings(branch, locale, base=base) == {"zh": {"added": ["late"], "changed": []},
                                                           "en": {"added": ["late"], "changed": []}}


@pytest.mark.parametrize(("header", "expected"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    ("en-US,en;q=0.9", "en"),
    ("zh-TW", "zh"),
    ("fr-FR,fr;q=0.9,en;q=0.5,zh;q=0.4", "en"),
    ("en;q=0.3, zh-Hans;q=0.7", "zh"),
    ("en;q=0, zh;q=0.1", "zh"),
    ("de, fr", None),
    ("", None),
    (None, None),
])
def test_accept_language_picks_our_language_with_the_highest_q_value(header: str | None, expected: str | None) -> None:
    assert i18n.accept_language(header) == expected


def test_explicit_choice_beats_the_browser_and_the_browser_beats_the_default() -> None:
    assert i18n.choose_language(["en", "zh"], "zh-CN", "zh") == "en"  # ?lang=
    assert i18n.choose_language([None, "en"], "zh-CN", "zh") == "en"  # the cookie
    assert i18n.choose_language([None, None], "en-GB,en", "zh") == "en"
    assert i18n.choose_language([None, "xx"], "de", "en") == "en"
    assert i18n.choose_language([None, None], None, "xx") == "zh"
