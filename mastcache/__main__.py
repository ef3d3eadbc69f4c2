import sys

from mastcache.cli import main

sys.exit(main())
