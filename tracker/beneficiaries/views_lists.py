"""Pages of the by-name lists: lists (being written)."""
