"""Imports every feature's models so Alembic and the shell see the whole schema."""

import importlib

FEATURE_MODELS = (
    "tracker.reference.models",
    "tracker.auth.models",
    "tracker.audit.models",
    "tracker.periods.models",
    "tracker.plans.models",
    "tracker.progress.models",
)


def import_all_models() -> None:
    for module in FEATURE_MODELS:
        importlib.import_module(module)
