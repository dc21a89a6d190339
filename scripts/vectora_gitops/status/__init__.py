"""Status: the environment matrix (deployables x environments) built from git, plans and records.

`records` types the deployment records, `matrix` is the pure logic (no I/O), `collect` gathers
its inputs from the repository and AWS. Rendering lives in `render/status_*.py`.
"""
