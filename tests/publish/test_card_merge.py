"""Card merge: user text outside the safedata markers survives; generated sections are replaced in place."""

from __future__ import annotations

import yaml

from safedata.publish.card import block
from safedata.publish.card_merge import merge_card, split_front


def card(front: dict, *parts: str) -> str:
    return f"---\n{yaml.safe_dump(front, sort_keys=False)}---\n\n" + "\n\n".join(parts) + "\n"


GEN_V1 = card(
    {"license": "apache-2.0", "tags": ["safety"], "configs": [{"config_name": "template"}]},
    block("intro", "# ds\n\nfirst build"),
    block("stages", "## Stages\n\n| a |\n|---|\n| 1 |"),
    block("recipe", "## Recipe\n\nv1"),
)
GEN_V2 = card(
    {"license": "mit", "tags": ["safety", "sft"], "configs": [{"config_name": "nocot"}]},
    block("intro", "# ds\n\nsecond build"),
    block("stages", "## Stages\n\n| a |\n|---|\n| 2 |"),
    block("validation", "## Validation\n\nnew section"),
    block("recipe", "## Recipe\n\nv2"),
)


def test_no_remote_card_uploads_the_generated_one() -> None:
    assert merge_card(None, GEN_V1) == GEN_V1


def test_user_sections_kept_and_generated_ones_replaced_in_place() -> None:
    front, body = split_front(merge_card(None, GEN_V1))
    front["tags"].append("my-tag")
    front["annotations_creators"] = ["machine-generated"]
    body = body.replace(
        "<!-- safedata:begin stages", "## Citation\n\nPlease cite us.\n\n<!-- safedata:begin stages"
    )
    body = body.replace("first build", "first build, edited by hand inside a generated section")
    body += "\n## Contact\n\nwrite to me\n"
    on_hub = card(front, body.strip())

    merged = merge_card(on_hub, GEN_V2)
    front2, body2 = split_front(merged)
    # user-written sections are kept where they were
    assert "## Citation\n\nPlease cite us." in body2 and "## Contact\n\nwrite to me" in body2
    assert body2.index("## Citation") < body2.index("## Stages") < body2.index("## Contact")
    # generated sections now show the new build; hand edits inside them are replaced
    assert "second build" in body2 and "first build" not in body2 and "| 2 |" in body2
    # a new generated section goes right after its predecessor
    assert body2.index("## Stages") < body2.index("## Validation") < body2.index("## Recipe\n\nv2")
    # header: generated keys updated, user keys and tags kept
    assert front2["license"] == "mit" and front2["configs"] == [{"config_name": "nocot"}]
    assert front2["annotations_creators"] == ["machine-generated"]
    assert front2["tags"] == ["safety", "sft", "my-tag"]
    # merging the same build again changes nothing (so an unchanged re-push is a no-op)
    assert merge_card(merged, GEN_V2) == merged


def test_section_the_build_no_longer_makes_is_removed() -> None:
    merged = merge_card(merge_card(None, GEN_V2), GEN_V1)
    assert "## Validation" not in merged and "first build" in merged
    assert merged.count("safedata:begin") == 3


def test_hand_written_card_without_markers_keeps_its_text_first() -> None:
    mine = "---\nlicense: cc-by-4.0\nmy_key: 1\n---\n# My dataset\n\nWritten by hand.\n"
    merged = merge_card(mine, GEN_V1)
    front, body = split_front(merged)
    assert body.lstrip().startswith("# My dataset\n\nWritten by hand.")
    assert body.index("Written by hand.") < body.index("safedata:begin intro")
    assert front["my_key"] == 1 and front["license"] == "apache-2.0"
    assert merge_card(merged, GEN_V1) == merged


def test_card_without_header_is_merged() -> None:
    merged = merge_card("Just text, no header.\n", GEN_V1)
    assert merged.startswith("---\n") and "Just text, no header." in merged
    assert split_front(merged)[0]["configs"] == [{"config_name": "template"}]
