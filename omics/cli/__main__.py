import sys

from omics.cli import main

sys.exit(main())
