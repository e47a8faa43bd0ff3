"""Quarterly progress (laporan triwulan): models are added by the progress feature."""
