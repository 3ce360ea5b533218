"""Benchmark: p50 and p99 of one customer-engine step() (target p99 < 2 ms), and of hearing a line
(the labeller, the hearing cues and the card's cues) plus the step, over 100,000 steps.

Lines are drawn at random from a mix of questions, extensions, confirmations, remedies,
requests and pitches in both languages, on every shipped card, 40 turns a session.
Run with `make bench` or `.venv/bin/python bench/engine.py [--steps N]`.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.paths import data_dir  # noqa: E402
from app.engine.hearing import hear  # noqa: E402
from app.engine.personas import load_cards  # noqa: E402
from app.engine.state import initial_state  # noqa: E402
from app.engine.step import silence_step, step  # noqa: E402

LINES = {
    "zh": ["现在最让您头疼的问题是什么?", "还有呢?", "决策流程是怎样的?", "我确认一下,预算是80万,对吗?",
           "我们的系统业内领先。", "下周三能请您安排一次演示吗?", "如果交付周期缩短,是不是就能按时上线了?",
           "这件事对您个人意味着什么?", "您对新系统有什么要求?", "您说的不放心,具体是担心哪方面?",
           "这种心情我完全理解。", "我们可以先在一个点试点三个月,出了问题随时切回。", "这样安排,您还担心吗?",
           "今年预算大概多少?", "还有哪些厂家在接触?", "能帮我引荐一下负责的同事吗?", "您最担心的是什么?"],
    "en": ["What is the biggest problem you face today?", "Tell me more.", "Who else is involved in the decision?",
           "So the budget is 200 thousand, right?", "Our platform is the market leader.",
           "Could we book a demo with your CFO next Tuesday?", "Wouldn't it make sense to fix reporting first?",
           "What does this mean for you personally?", "What requirements would a new solution have to meet?",
           "When you say it's risky, what worries you most?", "I completely understand why you'd be wary.",
           "We could run it alongside your current stack on one service first, with a rollback.",
           "Does that take care of what was worrying you?", "What budget have you set aside?",
           "Who else are you talking to?", "Who would be the right person to talk to about this?"],
}


def percentiles(values: list[float]) -> tuple[float, float, float]:
    values = sorted(values)
    return statistics.median(values) * 1e3, values[int(len(values) * 0.99)] * 1e3, values[-1] * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100_000)
    args = parser.parse_args()
    cards = list(load_cards(data_dir("personas")).values())
    heard = {card.id: [hear(text, card.language, card) for text in LINES[card.language]] for card in cards}
    rng = random.Random(1)
    steps: list[float] = []
    whole: list[float] = []
    sessions = 0
    while len(steps) < args.steps:
        card = rng.choice(cards)
        state = initial_state(card, seed=sessions)
        sessions += 1
        for _ in range(40):
            index = rng.randrange(len(LINES[card.language]))
            text = LINES[card.language][index]
            started = time.perf_counter()
            line = hear(text + (" " * (sessions % 3)), card.language, card)  # a fresh line: the caches miss
            heard_at = time.perf_counter()
            state, _move = step(card, state, line)
            done = time.perf_counter()
            if state.can_add and rng.random() < 0.5:
                state, _ = silence_step(card, state)
            steps.append(done - heard_at)
            whole.append(done - started)
    p50, p99, worst = percentiles(steps)
    print(f"engine step(): {len(steps):,} steps over {sessions:,} sessions of 40 turns")
    print(f"p50 {p50:.3f} ms   p99 {p99:.3f} ms   max {worst:.3f} ms   (target p99 < 2 ms)")
    p50, p99, worst = percentiles(whole)
    print(f"hear + step:   p50 {p50:.3f} ms   p99 {p99:.3f} ms   max {worst:.3f} ms")


if __name__ == "__main__":
    main()
