"""Drift: what AWS holds that git does not say (after observe, beside diff; never writes)."""
