"""`safedata validate`: a small SFT + eval loop that proves a built dataset end to end.

Reads only the build's parquet (pyarrow) and the text helpers, so it runs on a GPU node that has torch and
transformers but not polars, datasets or distilabel. Heavy libraries load inside the functions that need them.
"""
