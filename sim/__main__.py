"""`python -m sim` is `summit-sim`."""

from sim.cli import main

raise SystemExit(main())
