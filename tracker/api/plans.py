"""API routes of the plans feature (registered on tracker.api.core.bp at import)."""
