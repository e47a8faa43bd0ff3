"""Demo data of the progress feature."""


def load(ctx) -> None:
    """Filled in by the progress feature."""
