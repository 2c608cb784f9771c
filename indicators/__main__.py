"""`python -m indicators`: the command line, calling the same functions as the pages."""

from indicators.cli import main

raise SystemExit(main())
