"""Promotion: copying pins along the chain dev -> stage -> prod, the gates that guard it, and the
version lifecycle (prerelease -> release). `gates` is the pure evaluation; `evidence` reads what it
judges from AWS and `run_gates` puts the two together (docs/architecture.md §1)."""
