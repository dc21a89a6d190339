"""Status: the environment matrix (deployables x environments) built from git, plans and records.

`matrix` is the pure logic (no I/O) and `labels` words each cell once; `collect` gathers their
inputs from the repository and AWS (the deployment records are typed in `history.py`).
Rendering lives in `render/status_*.py` (docs/architecture.md §1).
"""
