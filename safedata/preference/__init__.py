"""Preference (DPO) pairs from what the filters judged: repaired over failing, safe over unsafe samples,
helpful over over-refusing answers. Written as the `preference` config in TRL's conversational format."""
