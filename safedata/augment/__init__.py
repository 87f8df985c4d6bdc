"""Adversarial prompt augmentation: wrap seed requests in jailbreak and prompt-injection templates.

templates.yaml holds the bundled library (one entry per template), tactics.py the tactic labels and what the
template chain of thought says about each, augmenter.py the seeded choice and wrapping, stage.py the build
stage and heldout.py the `safedata augment` eval-file writer.
"""
