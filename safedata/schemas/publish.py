"""Recipe model for `publish:` (push the build to the Hugging Face Hub when it ends)."""

from __future__ import annotations

from pydantic import Field

from safedata.schemas.sources import Strict

REPO_ID = r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$"


class Publish(Strict):
    repo: str = Field(pattern=REPO_ID, description="Dataset repo id, `user/name`.")
    private: bool = Field(
        False, description="Create the repo private (an existing repo keeps its visibility)."
    )
    revision: str | None = Field(None, description="Branch to push to (created from main); default main.")
    commit_files: int = Field(
        100, ge=1, description="Files per commit; large builds go up in several commits."
    )
