"""`python -m crowdset`: the same command line as `crowdset`."""

from crowdset.console import main

main()
