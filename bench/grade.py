"""Benchmark: grade 10,000 generated transcripts of 40 turns on one core.

Prints transcripts per second and microseconds per turn (target: under 200 µs per turn).
The transcripts are built first from the labelled corpus and a few customer replies, so
only grading (labelling included) is timed. Run with `make bench`.
"""

import argparse
import csv
import random
import time
from pathlib import Path

from scoring import Transcript, grade, load_rubric
from scoring.cues import normalise
from scoring.hearing import hear_line
from scoring.hearing.repeat import pairs
from scoring.labeller.engine import analyse
from scoring.labeller.prefilter import LITERALS

# Every cache of a line's reading: emptied before each transcript in the cold run.
LINE_CACHES = (analyse, hear_line, normalise, pairs, LITERALS)

ROOT = Path(__file__).resolve().parent.parent
CUSTOMER = {
    "zh": ["说实话,片子经常要等半个多小时才能打开。", "这个嘛,还没定。", "好的,可以,下周三上午我让人整理好发给你。",
           "我最担心的是再出故障,院长那边不好交代。", "大概就这些吧。", "回头再联系吧。"],
    "en": ["Honestly, the reports take two days to reconcile.", "That isn't decided yet.",
           "Sure, I'll bring our CFO on Tuesday at 3pm.", "My worry is that the rollout disrupts the branches.",
           "That's about it.", "Let's keep in touch."],
}


def corpus(lang: str) -> list[str]:
    with open(ROOT / "tests" / "data" / f"labels_{lang}.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return [row[0] for row in rows if row and row[0].strip()]


def make_transcripts(count: int, turns: int, seed: int = 7) -> list[Transcript]:
    rng = random.Random(seed)
    lines = {lang: corpus(lang) for lang in ("zh", "en")}
    out = []
    for index in range(count):
        lang = "zh" if index % 2 == 0 else "en"
        clock = 0.0
        items = []
        for seq in range(1, turns + 1):
            if seq % 2:
                typing = clock + rng.uniform(0.5, 7.0)
                sent = typing + rng.uniform(1.0, 6.0)
                items.append({"seq": seq, "speaker": "trainee", "text": rng.choice(lines[lang]),
                              "typing_started_at": round(typing, 3), "sent_at": round(sent, 3)})
                clock = sent
            else:
                start = clock + rng.uniform(0.5, 2.0)
                end = start + rng.uniform(1.0, 5.0)
                items.append({"seq": seq, "speaker": "customer", "text": rng.choice(CUSTOMER[lang]),
                              "started_at": round(start, 3), "ended_at": round(end, 3)})
                clock = end
        out.append(Transcript.model_validate({"session_id": f"b{index}", "language": lang, "turns": items}))
    return out


def loop_step_ns() -> float:
    """This machine's speed as nanoseconds per step of a plain Python loop: the figures above scale
    with it, so two machines' readings are compared through it."""
    started = time.process_time()
    total = 0
    for step in range(2_000_000):
        total += step
    return (time.process_time() - started) / 2_000_000 * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transcripts", type=int, default=10_000)
    parser.add_argument("--turns", type=int, default=40)
    args = parser.parse_args()
    transcripts = make_transcripts(args.transcripts, args.turns)
    rubric = load_rubric("default")
    motives = ["growth", "rescue", "balanced", "complacent", None]
    turns = args.transcripts * args.turns
    print(f"graded {args.transcripts:,} transcripts of {args.turns} turns ({turns:,} turns), one core;"
          f" this machine: {loop_step_ns():.0f} ns per plain Python loop step")
    for transcript in transcripts[:2]:  # the cue tables (zh, en) compile once per process, before the clock starts
        grade(transcript, rubric)
    # Cold: every line cache is emptied before every transcript, as if every line were new; the
    # labeller alone cold (the hearing's cache kept) is how this benchmark measured until now.
    runs = (("cold", LINE_CACHES), ("labeller cold", (analyse, LITERALS)), ("warm", ()))
    for name, emptied in runs:
        for cached in LINE_CACHES:
            cached.cache_clear()
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        for index, transcript in enumerate(transcripts):
            for cached in emptied:
                cached.cache_clear()
            grade(transcript, rubric, motive=motives[index % len(motives)]).model_dump(mode="json")
        cpu = time.process_time() - started_cpu
        wall = time.perf_counter() - started_wall
        print(f"{name}: {args.transcripts / cpu:,.0f} transcripts/s   {cpu / turns * 1e6:.1f} µs per turn (CPU)"
              f"   wall {wall:.2f} s   (target < 200 µs per turn)")


if __name__ == "__main__":
    main()
