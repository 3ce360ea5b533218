"""The scenario builder in real headless Chromium, under the pages' Content-Security-Policy: a coach
builds a card (YAML import, then the form), sees a validation problem beside its field, plays the
draft, fails the check before publishing with the scripted trainees' transcripts shown, fixes the
card in the form, publishes it, and their trainee practises it."""

import pytest
import yaml
from playwright.sync_api import expect

from app.core.paths import data_dir
from app.core.yamlio import load_yaml
from tests.app.pages.test_account_pages import WATCH_CSP, violations
from tests.utils.browser import chromium_page, sign_in
from tests.utils.server import LiveServer

pytestmark = pytest.mark.browser


def test_a_coach_builds_checks_fixes_and_publishes_a_card_the_trainee_practises(server: LiveServer) -> None:
    server.add_user("laoshi", role="coach")
    server.add_user("alice", coach="laoshi")
    card = {**load_yaml((data_dir("personas") / "school-analytics-growth.yaml").read_text(encoding="utf-8")),
            "id": "school-page"}
    fit = card["motive_cues"]["fit"]
    card["motive_cues"] = {**card["motive_cues"], "fit": [*fit, "情况"]}  # a fit word any opener says
    with chromium_page(width=1300, enforce_csp=True) as page:
        page.add_init_script(WATCH_CSP)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(page, server, "laoshi", next_path="/personas")
        page.goto(f"{server.url}/personas?lang=zh")
        page.click("#new-card")
        expect(page.locator("#builder-heading")).to_have_text("客户卡片编辑器")
        expect(page.locator("[data-path='facts.0.subject']")).to_have_count(1)  # an empty fact to start from

        # Import the YAML: every field lands in the form, and the page moves to the card's address.
        page.locator("#builder-import summary").click()
        page.fill("#builder-yaml", yaml.safe_dump(card, allow_unicode=True, sort_keys=False))
        page.click("#builder-import-go")
        expect(page.locator("#builder-state")).to_have_text("卡片 school-page，第 1 版，草稿")
        assert page.url.endswith("/personas/school-page/edit?lang=zh")
        assert page.input_value("[data-path='name']") == card["name"]
        assert page.input_value("[data-path='concern.level']") == "none"
        assert page.locator("[data-path$='.subject']").count() == len(card["facts"])
        assert page.input_value("[data-path='commitments.2.cues']").split("\n") == card["commitments"][2]["cues"]

        # A problem is shown beside its field, in the page's language.
        page.fill("[data-path='name']", "")
        page.fill("[data-path='stage']", "11")
        page.click("#builder-save")
        expect(page.locator("#err-name")).to_have_text("必填项缺失")
        expect(page.locator("#err-stage")).to_have_text("不能大于 10")
        assert page.get_attribute("[data-path='name']", "aria-invalid") == "true"
        expect(page.locator("#builder-play")).to_be_hidden()
        page.fill("[data-path='name']", "郑校长")
        page.fill("[data-path='stage']", "3")
        page.click("#builder-save")
        expect(page.locator("#builder-state")).to_have_text("卡片 school-page，第 3 版，草稿")
        expect(page.locator("#builder-problems")).to_be_hidden()

        # The check fails: a motive-blind script wins the top commitment; its transcript is there to read.
        page.click("#builder-publish")
        expect(page.locator("#builder-verdict")).to_have_text("检查未通过：见下表和对话记录。")
        generic = page.locator("#builder-plays tr[data-kind='generic']")
        expect(generic.locator("td").nth(3)).to_have_text("未通过")
        assert "1" in generic.locator("td").nth(2).inner_text()
        page.locator("details[data-kind='generic'] summary").click()
        assert page.locator("details[data-kind='generic'] li.customer").count() > 3
        assert "发布前检查未通过" in page.locator("#builder-problems").inner_text()

        # Play the draft yourself, then fix the card in the form and publish.
        play = page.locator("#builder-play")
        assert play.get_attribute("href").endswith("persona=school-page&version=3")
        page.goto(f"{server.url}{play.get_attribute('href')}")
        expect(page.locator("#conn")).to_have_text("已连接")
        expect(page.locator("#persona-name")).to_contain_text("郑校长")
        page.goto(f"{server.url}/personas/school-page/edit?lang=zh")  # the form comes back from the server
        expect(page.locator("#builder-state")).to_have_text("卡片 school-page，第 3 版，草稿")
        assert page.input_value("[data-path='name']") == "郑校长"
        page.fill("[data-path='motive_cues.fit']", "\n".join(fit))
        page.click("#builder-check")
        expect(page.locator("#builder-verdict")).to_have_text(
            "检查通过：按方法练能拿到承诺，套路脚本拿不到最高承诺。")
        page.click("#builder-publish")
        expect(page.locator("#builder-state")).to_have_text("卡片 school-page，第 4 版，已发布")
        assert page.locator("#builder-export").get_attribute("href") == "/api/personas/school-page/yaml"
        assert violations(page) == [] and errors == []

        # Assign the published card, practise it from the to-do list, see it on the team dashboard.
        page.goto(f"{server.url}/assignments?lang=zh")
        expect(page.locator("#assign-progress")).to_have_attribute("data-loaded", "true")
        page.check("input[name=persona][value='school-page']")
        page.check("input[name=trainee][value=alice]")
        page.fill("#assign-target", "0")
        page.click("#assign-submit")
        expect(page.locator("#assign-status")).to_have_text("已布置 1 项任务。")

        trainee = page.context.browser.new_page(bypass_csp=False)
        trainee.add_init_script(WATCH_CSP)
        sign_in(trainee, server, "alice")
        trainee.goto(f"{server.url}/?lang=zh")
        todo = trainee.locator("#todo tbody tr[data-persona-id='school-page']")
        expect(todo.locator(".status")).to_have_text("待完成")
        todo.locator("a.start").click()
        expect(trainee.locator("#conn")).to_have_text("已连接")
        trainee.locator("#input").fill("郑校长您好，现在学校在教学数据这块最头疼的是什么？")
        trainee.locator("#input").press("Enter")
        expect(trainee.locator(".msg.customer:not(.typing) .text").first).not_to_be_empty(timeout=20_000)
        trainee.once("dialog", lambda dialog: dialog.accept())  # "end and score?"
        trainee.locator("#end").click()
        expect(trainee.locator("#result .overall")).to_be_visible()
        trainee.goto(f"{server.url}/?lang=zh")
        expect(trainee.locator("#todo tbody tr[data-persona-id='school-page'] .status")).to_have_text("已完成")
        assert violations(trainee) == []

        page.goto(f"{server.url}/team?lang=zh&persona=school-page")
        expect(page.locator("#team-heatmap tr[data-trainee=alice] td[data-column=overall]")).not_to_have_text("")
        expect(page.locator("#team-chart .u-legend")).to_contain_text("alice")
    sessions = server.client("laoshi").get("/api/sessions?persona=school-page").json()["items"]
    assert {s["trainee"] for s in sessions} == {"laoshi", "alice"}
    library = server.get("/sessions?lang=zh&persona=school-page", "laoshi").text
    assert '<option value="school-page" lang="zh" selected>郑校长' in library
