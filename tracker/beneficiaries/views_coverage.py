"""Pages of the by-name lists: coverage (being written)."""
