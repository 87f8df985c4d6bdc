"""The mix stage: targets by kind, per-category balance, random / diverse / hardest selection."""
