"""CSR pages."""

from tracker.csr import bp  # noqa: F401
