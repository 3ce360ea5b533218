"""The agreement report: how often coaches agree with the automatic labels and scores.

Pure: it takes (automatic, coach) pairs and returns the figures, so the grader's accuracy
is measured on real use, label by label.
"""

from typing import Any

from scoring.models import LABELS


def report(label_pairs: list[tuple[str, str]], score_triples: list[tuple[str, int, int]], sessions: int) -> dict[str, Any]:
    confusion = {auto: {coach: 0 for coach in LABELS} for auto in LABELS}
    for auto, coach in label_pairs:
        confusion[auto][coach] += 1
    per_label = {}
    for name in LABELS:
        auto_total = sum(confusion[name].values())
        coach_total = sum(confusion[a][name] for a in LABELS)
        agreed = confusion[name][name]
        per_label[name] = {
            "automatic": auto_total,
            "coach": coach_total,
            "agreed": agreed,
            "precision": round(agreed / auto_total, 3) if auto_total else None,
            "recall": round(agreed / coach_total, 3) if coach_total else None,
        }
    agreed_all = sum(confusion[n][n] for n in LABELS)
    dimensions: dict[str, dict[str, Any]] = {}
    for dimension, auto, coach in score_triples:
        entry = dimensions.setdefault(dimension, {"corrections": 0, "total_abs_diff": 0, "mean_diff": 0.0})
        entry["corrections"] += 1
        entry["total_abs_diff"] += abs(coach - auto)
        entry["mean_diff"] += coach - auto
    for entry in dimensions.values():
        n = entry["corrections"]
        entry["mean_abs_diff"] = round(entry.pop("total_abs_diff") / n, 1)
        entry["mean_diff"] = round(entry["mean_diff"] / n, 1)
    return {
        "sessions": sessions,
        "lines": len(label_pairs),
        "agreement": round(agreed_all / len(label_pairs), 3) if label_pairs else None,
        "per_label": per_label,
        "confusion": confusion,
        "scores": dimensions,
    }
