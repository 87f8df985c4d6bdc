"""Typed models: the recipe (YAML) and the record that flows between stages."""
