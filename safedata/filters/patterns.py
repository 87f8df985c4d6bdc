"""The pattern vocabulary moved to `safedata/schemas/patterns.py` (the recipe names patterns, so the schema
layer owns it); kept importable here for detector code written against the old place."""

from safedata.schemas.patterns import BENIGN_PATTERNS, HARMFUL_PATTERNS, PATTERNS, applies, empty_labels

__all__ = ["BENIGN_PATTERNS", "HARMFUL_PATTERNS", "PATTERNS", "applies", "empty_labels"]
