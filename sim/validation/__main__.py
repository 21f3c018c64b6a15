"""`python -m sim.validation [--quick]`: the self-check without the command-line front end."""

import sys

from sim.validation.selfcheck import main

sys.exit(main(quick="--quick" in sys.argv[1:]))
