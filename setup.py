"""Package list for setuptools; everything else is in pyproject.toml.

``find_packages`` cannot see ``migrations/`` under its installed name, so the two migration
packages (mapped in pyproject's ``package-dir``) are added by hand.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["mastcache", "mastcache.*"]),
        "mastcache._migrations",
        "mastcache._migrations.versions",
    ]
)
