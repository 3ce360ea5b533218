"""The team dashboard in real headless Chromium, under its Content-Security-Policy: the trend chart
is drawn (uPlot's canvas), the heat map toggles between latest and best, the weakest rules carry
their names and links to the replay at the turn, the filters and CSV links follow; in zh and en."""

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.app.api.test_library import GOOD, POOR, imported
from tests.app.pages.test_account_pages import WATCH_CSP, violations
from tests.utils.browser import chromium_page, sign_in
from tests.utils.server import LiveServer

pytestmark = pytest.mark.browser


def _cells(page: Any, view: str) -> dict[str, dict[str, int]]:
    expect(page.locator("#team-heatmap")).to_have_attribute("data-view", view)
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#team-heatmap tbody tr')].map(
        (row) => [row.dataset.trainee, Object.fromEntries([...row.querySelectorAll('td[data-score]')].map(
            (td) => [td.dataset.column, Number(td.dataset.score)]))]))""")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_team_dashboard_draws_its_chart_heat_map_and_weakest_rules(server: LiveServer) -> None:
    server.add_user("laoshi", role="coach")
    server.add_user("alice", coach="laoshi")
    server.add_user("bob", coach="laoshi")
    server.add_user("carol")  # no coach: not laoshi's
    for user, lines, pause in (("alice", GOOD, 5.0), ("alice", POOR, 5.0), ("bob", GOOD, 1.0), ("carol", GOOD, 5.0)):
        imported(server, user, lines, pause)
    board = server.get("/api/team/dashboard", "laoshi").json()
    rows = {t["username"]: t for t in board["trainees"]}
    top = board["weakest_rules"][0]

    with chromium_page(width=1300, enforce_csp=True) as page:
        page.add_init_script(WATCH_CSP)
        sign_in(page, server, "laoshi", role="coach", next_path="/team?lang=zh")
        page.click("#nav-team")
        expect(page.locator("#team-chart canvas").first).to_be_visible()
        expect(page.locator("#team-chart .u-title")).to_have_text("总分")
        expect(page.locator("#team-chart .u-legend")).to_contain_text("alice")
        expect(page.locator("#team-chart .u-legend")).to_contain_text("bob")
        expect(page.locator("#team-summary")).to_have_text("2 名学员，3 次已评分的练习")

        # Heat map: the latest cells, then the best ones; each cell coloured by its score band.
        latest = {name: {c: v["score"] for c, v in row["latest"].items()} for name, row in rows.items()}
        best = {name: {c: v["score"] for c, v in row["best"].items()} for name, row in rows.items()}
        assert latest["alice"] != best["alice"]  # the good session came first, the poor one last
        assert _cells(page, "latest") == latest
        alice_overall = page.locator("#team-heatmap tr[data-trainee=alice] td[data-column=overall]")
        assert "heat-" in (alice_overall.get_attribute("class") or "")
        page.click("#team-heat-best")
        assert _cells(page, "best") == best
        expect(page.locator("#team-heat-best")).to_have_attribute("aria-pressed", "true")

        # The dimension selector redraws the chart on that dimension.
        page.select_option("#team-dimension", "listening")
        expect(page.locator("#team-chart canvas")).to_have_count(1)
        expect(page.locator("#team-chart .u-title")).to_have_text("倾听")

        # Weakest rules: names, not ids; links to the replay at the turn.
        first = page.locator("#team-rules li.team-rule").first
        expect(first.locator(".rule-name")).to_have_text(top["name"]["zh"])
        expect(page.locator("#team-rules")).not_to_contain_text(top["rule"])
        link = first.locator("a.turn-link").first
        turn = top["turns"][0]
        href = link.get_attribute("href") or ""
        assert href.startswith(f"/sessions/{turn['session_id']}/replay?lang=zh")
        assert href.endswith(f"#turn-{turn['seq']}") if turn["seq"] is not None else "#" not in href
        expect(page.locator("#team-csv-rules")).to_have_attribute("href", "/api/team/dashboard.csv?table=rules&lang=zh")

        missed = page.locator("#team-rules li[data-rule='listening.answer_missed'] a.turn-link").first
        target = missed.get_attribute("href") or ""
        missed.click()
        page.wait_for_url(f"**{target}")
        expect(page.locator(target[target.index("#"):])).to_be_visible()  # the replay shows that turn

        # English, with a filter: the form keeps it in the address, the chart and links follow.
        page.goto(f"{server.url}/team?lang=en")
        expect(page.locator("#team-chart canvas").first).to_be_visible()
        expect(page.locator("#team-chart .u-title")).to_have_text("Overall")
        expect(page.locator("#team-rules li.team-rule .rule-name").first).to_have_text(top["name"]["en"])
        expect(page.locator("#team-heatmap thead")).to_contain_text("Questioning")
        page.select_option("#team-persona", "hospital-it-rescue")
        page.fill("#team-from", "2000-01-01")
        page.fill("#team-to", "2000-01-31")
        page.click("#team-apply")
        expect(page.locator("#team-chart-empty")).to_be_visible()
        expect(page.locator("#team-summary")).to_have_text("trainees: 2 · scored practice sessions: 0")
        expect(page.locator("#team-no-rules")).to_be_visible()
        expect(page.locator("#team-heatmap tbody td[data-score]")).to_have_count(0)
        expect(page.locator("#team-persona")).to_have_value("hospital-it-rescue")
        expect(page.locator("#team-csv-trainees")).to_have_attribute(
            "href", "/api/team/dashboard.csv?from=2000-01-01&to=2000-01-31&persona=hospital-it-rescue"
                    "&table=trainees&lang=en")
        assert violations(page) == []

        # A trainee gets the refusal page, and no link to it.
        page.context.clear_cookies()
        sign_in(page, server, "alice", next_path="/team?lang=zh")
        expect(page.locator("h1")).to_have_text("没有权限")
        expect(page.locator("#nav-team")).to_have_count(0)
