"""`python -m vectora_gitops` runs the CLI."""

from vectora_gitops.cli import main

raise SystemExit(main())
