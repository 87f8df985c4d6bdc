"""`safedata validate`: a small SFT + eval loop that proves a built dataset end to end.

Reads only the build's parquet (pyarrow) and the text helpers, so it runs on a GPU node that has torch and
transformers but not polars, datasets or distilabel. Heavy libraries load inside the functions that need them.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any


class _ValidatePackage(ModuleType):
    """`safedata.validate(out_dir, ...)` is the library call (api.validate), although `safedata.validate` is
    also this package: whichever Python finds first, the call works the same."""

    def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from safedata.api import validate

        return validate(*args, **kwargs)


sys.modules[__name__].__class__ = _ValidatePackage
