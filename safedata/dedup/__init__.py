"""Dedup (exact, MinHash, semantic) and eval-set decontamination stages."""
