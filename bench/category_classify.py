"""How often `categorise.classify` decides a category for an unlabelled harmful request, and how often it
agrees with the dataset's own label (mapped onto the 8 by `categories.canonical`), on three public sets whose
prompts were never read to write the cues (StrongREJECT, HarmBench, JailbreakBench).

The mapped label is a rough gold: "Hate, harassment and discrimination" maps to harassment, so hate calls on
those rows count as disagreements; the second agreement column merges the two.

    python -m bench.category_classify [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from pathlib import Path

from bench.calibrate import DATA
from safedata.categories import canonical
from safedata.categorise import classify

SETS = (
    ("strongreject", "strongreject/strongreject_dataset.csv", "forbidden_prompt", "category"),
    ("harmbench", "harmbench/harmbench_behaviors_text_all.csv", "Behavior", "SemanticCategory"),
    ("jailbreakbench", "jailbreakbench/jailbreakbench.csv", "Goal", "Category"),
)
_HATE_OR_HARASSMENT = {"hate/threatening", "harassment/threatening"}


def same(gold: str, guess: str, merge: bool) -> bool:
    return gold == guess or (merge and {gold, guess} <= _HATE_OR_HARASSMENT)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    print("| set | rows | label maps | classified | agree | agree (hate = harassment) | top confusion |")
    print("|---|---|---|---|---|---|---|")
    t0, n_all = time.perf_counter(), 0
    for name, path, prompt_col, label_col in SETS:
        f = args.data / path
        if not f.is_file():
            print(f"| {name} | missing: {f} |")
            continue
        rows = [(r[prompt_col], canonical(r[label_col])) for r in csv.DictReader(f.open(encoding="utf-8"))]
        n_all += len(rows)
        pairs = [(gold, classify(p)) for p, gold in rows if gold]
        decided = [(g, c) for g, c in pairs if c]
        agree = sum(same(g, c, False) for g, c in decided)
        merged = sum(same(g, c, True) for g, c in decided)
        wrong = Counter(f"{g} -> {c}" for g, c in decided if not same(g, c, True)).most_common(1)
        print(
            f"| {name} | {len(rows)} | {len(pairs)} | {len(decided)} ({len(decided) / len(pairs):.0%}) | "
            f"{agree / len(decided):.2f} | {merged / len(decided):.2f} | {wrong[0][0] if wrong else ''} |"
        )
    print(f"\n{n_all} prompts classified in {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
