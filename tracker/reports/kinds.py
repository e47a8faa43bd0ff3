"""Imports every renderer module so that each registers its (kind, format) in ``registry``."""

# One line per renderer module, added as each lands.
from tracker.reports import agreements_report, csr_report, opd_form, rakor_xlsx  # noqa: F401,E402  (H3)
from tracker.reports import rakor_pdf  # noqa: F401,E402  (evaluation pdf: H2)
