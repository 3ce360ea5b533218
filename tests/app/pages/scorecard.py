"""What every page showing a scorecard must show of it (chat result, replay, print), checked the
same way: the next steps first, the pass mark, weights and minimums, the points grouped by
dimension under their names, and no raw rule id anywhere in the page."""

import re
from typing import Any

from app.core.i18n import strings

DIMS = ["questioning", "listening", "commitment", "concerns", "motive_fit"]
# a point rule id ("listening.answer_missed"); prose ("…a commitment. Then") has a space after the dot
RULE_ID = re.compile(r"(?:questioning|listening|commitment|concerns|motive_fit)\.[a-z]")


def text(lang: str, key: str, **values: object) -> str:
    """A UI string of the page's language (app/locale/<lang>/LC_MESSAGES/messages.po), its {placeholders} filled."""
    out = strings(lang)[key]
    for name, value in values.items():
        out = out.replace("{" + name + "}", str(value))
    return out


def assert_no_rule_id(html: str, card: dict[str, Any]) -> None:
    """Names for people: neither a point rule id nor a labeller rule id is in the page."""
    found = RULE_ID.search(html)
    assert found is None, html[max(0, found.start() - 80):found.end() + 40]
    for turn in card["turns"]:
        assert turn["rule"] not in html, turn["rule"]


def assert_scorecard_shown(page: Any, root: str, card: dict[str, Any], lang: str,
                           parts: tuple[str, str, str] = ("next-steps", "rubric", "points")) -> None:
    """`root`: the selector of the element holding the scorecard on this page; `parts`: the ids
    of its next steps, its rubric and its points there."""
    steps = card["next_steps"]
    assert 1 <= len(steps) <= 3
    # the next steps come first, before the rubric and the points
    order = page.locator(root).evaluate(
        "(r, ids) => [...r.querySelectorAll(ids.map(i => '#' + i).join(','))].map(n => n.id)", list(parts))
    assert order[0] == parts[0] and sorted(order) == sorted(parts), order
    items = page.locator("#next-steps li.next-step")
    assert items.count() == len(steps)
    for i, step in enumerate(steps):
        shown = items.nth(i).inner_text()
        for field in ("name", "why", "do", "better_line"):
            assert step[field] in shown, (field, step[field], shown)
        assert text(lang, "turn", n=step["seq"]) in shown
        assert strings(lang)["dim"][step["dimension"]] in shown
        assert items.nth(i).get_attribute("data-seq") == str(step["seq"])

    rubric = page.locator(f"#{parts[1]}")
    pass_mark = page.locator(f"{root} .pass-mark").inner_text()
    assert pass_mark == text(lang, "pass_mark_line", n=card["pass_mark"])
    total = sum(card["weights"].values())
    for dim in DIMS:
        row = rubric.locator(f"tr[data-dimension={dim}]")
        assert row.locator(".weight").inner_text() == f"{round(100 * card['weights'][dim] / total)}%"
        minimum = card["min_dimension"].get(dim)
        assert row.locator(".minimum").inner_text() == (f"≥ {minimum}" if minimum is not None else "–")

    groups = page.locator(f"{root} table.points tbody.dim-group")
    expected = [d for d in DIMS if any(p["dimension"] == d for p in card["points"])]
    assert groups.evaluate_all("gs => gs.map(g => g.dataset.dimension)") == expected
    for dim in expected:
        group = page.locator(f"{root} table.points tbody.dim-group[data-dimension={dim}]")
        mine = [p for p in card["points"] if p["dimension"] == dim]
        head = group.locator("tr.dim-head").inner_text()
        weight = round(100 * card["weights"][dim] / total)
        assert head == text(lang, "dim_group", name=strings(lang)["dim"][dim], score=card["dimensions"][dim],
                            weight=weight)
        assert group.locator("tr.point td.point-name").all_inner_texts() == [p["name"] for p in mine]
        assert group.locator("tr.point td.reason").all_inner_texts() == [p["reason"] for p in mine]
    assert_no_rule_id(page.content(), card)
