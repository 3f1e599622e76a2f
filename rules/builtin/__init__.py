"""The built-in rule pack (data files only; loaded by rules.loader)."""
