"""The command line: `crowdset ...`. One module a domain; main.py is the root the wiring completes."""
