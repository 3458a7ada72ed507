"""``python -m optimizer.service``: the same as ``pickopt serve``."""

import sys

from optimizer.service.server import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
