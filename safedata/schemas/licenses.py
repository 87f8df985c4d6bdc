"""The license ids the Hugging Face Hub accepts in a card's `license:` field (its "Licenses" docs page).

Checked when the recipe loads: a push would otherwise fail at its last commit, after the data is up.
"""

from __future__ import annotations

import difflib

_IDS = """
apache-2.0 mit openrail bigscience-openrail-m creativeml-openrail-m bigscience-bloom-rail-1.0
bigcode-openrail-m afl-3.0 artistic-2.0 bsl-1.0 bsd bsd-2-clause bsd-3-clause bsd-3-clause-clear c-uda
cc cc0-1.0 cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0 cc-by-nc-3.0
cc-by-nc-4.0 cc-by-nd-4.0 cc-by-nc-nd-3.0 cc-by-nc-nd-4.0 cc-by-nc-sa-2.0 cc-by-nc-sa-3.0
cc-by-nc-sa-4.0 cdla-sharing-1.0 cdla-permissive-1.0 cdla-permissive-2.0 wtfpl ecl-2.0 epl-1.0 epl-2.0
etalab-2.0 eupl-1.1 eupl-1.2 agpl-3.0 gfdl gpl gpl-2.0 gpl-3.0 lgpl lgpl-2.1 lgpl-3.0 isc h-research
intel-research lppl-1.3c ms-pl apple-ascl apple-amlr mpl-2.0 odc-by odbl openrail++ osl-3.0 postgresql
ofl-1.1 ncsa unlicense zlib pddl lgpl-lr deepfloyd-if-license llama2 llama3 llama3.1 llama3.2 llama3.3
llama4 gemma unknown other
"""
HUB_LICENSES = frozenset(_IDS.split())


def check_license(value: str) -> str:
    """The id as given when the Hub accepts it; else a ValueError naming the closest id."""
    if value in HUB_LICENSES:
        return value
    close = value.lower() if value.lower() in HUB_LICENSES else None
    close = close or next(iter(difflib.get_close_matches(value.lower(), sorted(HUB_LICENSES), n=1)), None)
    hint = f" (did you mean {close!r}?)" if close else " (use `other` and describe it in the card)"
    raise ValueError(f"{value!r} is not a Hugging Face Hub license id{hint}")
