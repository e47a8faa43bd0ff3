"""Pages of the by-name lists: verval (being written)."""
