"""Every feature's models in one place, so Alembic and the shell see the whole schema.

Like ``tracker/__init__`` this module composes the features; it is not part of the core they build on.
"""


def import_all_models() -> None:
    from tracker import changes  # noqa: F401
    from tracker.audit import models as audit_models  # noqa: F401
    from tracker.auth import models as auth_models  # noqa: F401
    from tracker.beneficiaries import models as beneficiaries_models  # noqa: F401
    from tracker.csr import models as csr_models  # noqa: F401
    from tracker.meetings import models as meetings_models  # noqa: F401
    from tracker.periods import models as periods_models  # noqa: F401
    from tracker.plans import models as plans_models  # noqa: F401
    from tracker.poverty import models as poverty_models  # noqa: F401
    from tracker.progress import models as progress_models  # noqa: F401
    from tracker.reference import models as reference_models  # noqa: F401
    from tracker.reports import models as reports_models  # noqa: F401
