"""Desired state: loading and validating the files of the repository (git side)."""
