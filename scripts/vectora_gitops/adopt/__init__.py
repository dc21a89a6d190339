"""Adopt a live environment into git (`import`): what AWS runs becomes files and pins."""
