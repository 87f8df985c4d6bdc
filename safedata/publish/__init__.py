"""Output: parquet per variant, build_report.json, the dataset card (and later the Hub and HTML report)."""
