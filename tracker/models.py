"""Imports every feature's models so Alembic and the shell see the whole schema."""


def import_all_models() -> None:
    from tracker.audit import models as _audit  # noqa: F401
    from tracker.auth import models as _auth  # noqa: F401
    from tracker.periods import models as _periods  # noqa: F401
    from tracker.reference import models as _reference  # noqa: F401
