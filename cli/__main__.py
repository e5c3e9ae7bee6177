"""`python -m cli`: the `storybot` command."""

import sys

from .main import main

sys.exit(main())
