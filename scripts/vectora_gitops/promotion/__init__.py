"""Promotion: copying pins along the chain dev -> stage -> prod, the gates that guard it, and the
version lifecycle (prerelease -> release). Pure logic here; AWS is read in `evidence`."""
