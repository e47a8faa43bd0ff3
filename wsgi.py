"""Entry point for ``flask --app wsgi`` and gunicorn (``gunicorn wsgi:app``)."""

import gc

from tracker import create_app

app = create_app()
# The app, its mappers and its modules live as long as the process: kept out of the collector's
# full passes, those stay short (p95 of the large evaluation page 235 -> 127 ms in bench/pages.py).
gc.freeze()
