"""Snapshots: S3 versions and function configurations recorded before changes; restore."""
