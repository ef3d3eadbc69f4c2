"""The ``mastcache`` program: ``python -m mastcache`` and the console script."""

import sys
from typing import NoReturn


def program() -> NoReturn:
    """Run the command line (:func:`mastcache.cli.run`).

    A likely ``mastcache sql`` first starts DuckDB's connection, which then sets itself up
    (~20 ms, GIL released) while the command line loads: click, the CLI, the settings
    (issue 19). A guess that is wrong costs that time and nothing else.
    """
    if "sql" in sys.argv[1:]:
        from mastcache.sqlview.lockdown import open_early

        open_early()
    from mastcache.cli import run

    run()


if __name__ == "__main__":
    program()
