"""Demo data of the plans feature."""


def load(ctx) -> None:
    """Filled in by the plans feature."""
