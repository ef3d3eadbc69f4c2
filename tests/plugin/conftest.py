"""The example project under tests/plugin/example_project is a user's project: it runs in its
own pytest process (see test_example_project.py), never in this suite's collection."""

collect_ignore = ["example_project"]
