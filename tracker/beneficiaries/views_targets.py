"""Pages of the by-name lists: targets (being written)."""
