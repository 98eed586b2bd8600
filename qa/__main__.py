"""`python -m qa` runs the command line, the same as the `qa` console script."""

from qa.cli import main

raise SystemExit(main())
