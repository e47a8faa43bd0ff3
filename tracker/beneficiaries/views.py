"""Pages of the by-name lists (filled in by the pages work)."""
