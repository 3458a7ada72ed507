"""``python -m optimizer.service``: the same as ``pickopt serve``."""

import sys

from optimizer.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
