"""Benchmark: p50 and p99 of one customer-engine step() over 100,000 steps (target p99 < 2 ms).

Run with `make bench` or `.venv/bin/python bench/engine.py [--steps N]`.
"""

import argparse
import random
import statistics
import time

from app.core.paths import data_dir
from app.engine.personas import load_cards
from app.engine.state import TraineeLine, initial_state
from app.engine.step import step
from scoring import label

LINES = {
    "zh": ["现在最让您头疼的问题是什么?", "还有呢?", "决策流程是怎样的?", "我确认一下,您是想先试点,对吗?",
           "我们的系统业内领先。", "下周三能请您安排一次演示吗?", "如果交付周期缩短,是不是就能按时上线了?",
           "这件事对您个人意味着什么?", "您对新系统有什么要求?"],
    "en": ["What is the biggest problem you face today?", "Tell me more.", "Who else is involved in the decision?",
           "So you want to pilot it first, right?", "Our platform is the market leader.",
           "Could we book a demo with your CFO next Tuesday?", "Wouldn't it make sense to fix reporting first?",
           "What does this mean for you personally?", "What requirements would a new solution have to meet?"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100_000)
    args = parser.parse_args()
    cards = list(load_cards(data_dir("personas")).values())
    labelled = {lang: [label(text, lang) for text in texts] for lang, texts in LINES.items()}
    rng = random.Random(1)
    durations: list[float] = []
    sessions = 0
    while len(durations) < args.steps:
        card = rng.choice(cards)
        state = initial_state(card, seed=sessions)
        sessions += 1
        for _ in range(40):
            verdict = rng.choice(labelled[card.language])
            line = TraineeLine(text="…", label=verdict.label, topic=verdict.topic, pitch=verdict.pitch)
            started = time.perf_counter()
            state, _move = step(card, state, line)
            durations.append(time.perf_counter() - started)
    durations.sort()
    p50 = statistics.median(durations) * 1e3
    p99 = durations[int(len(durations) * 0.99)] * 1e3
    print(f"engine step(): {len(durations):,} steps over {sessions:,} sessions of 40 turns")
    print(f"p50 {p50:.3f} ms   p99 {p99:.3f} ms   max {durations[-1] * 1e3:.3f} ms   (target p99 < 2 ms)")


if __name__ == "__main__":
    main()
