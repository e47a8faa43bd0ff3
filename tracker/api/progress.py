"""API routes of the progress feature (registered on tracker.api.core.bp at import)."""
