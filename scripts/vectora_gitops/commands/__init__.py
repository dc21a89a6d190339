"""One module per CLI command: each a small function taking explicit arguments, returning an exit code."""
