"""The reconcile engine: observe -> diff -> plan -> apply."""
