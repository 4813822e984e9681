"""`python -m sync.sandbox`: the same as `leadtui sandbox`."""

import sys

from sync.sandbox.runner import main

sys.exit(main())
