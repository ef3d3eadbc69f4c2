"""Property: whatever argument list a user types, no traceback reaches them without --debug,
and every failure is one line (issue #18). Hypothesis builds argument lists from the real
commands, options and plausible and hostile values, and runs them through ``main()``.

Offline mode and a dead MAST URL keep each run local and fast; the long-running commands
(``emulator serve``, ``demo``) are left to the table in test_cli_bad_arguments.py.
"""

from __future__ import annotations

import pytest
from cli.clirun import run_main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

COMMANDS: dict[tuple[str, ...], list[str]] = {
    ("query",): ["--region", "--object", "--radius", "-c", "--count", "--columns", "--format",
                 "-o", "--anonymous"],
    ("resolve",): ["--resolver", "--all", "--format", "-o", "--anonymous"],
    ("products",): ["--mrp-only", "--product-type", "--extension", "--format", "-o"],
    ("download",): ["--dir", "--flat", "--mrp-only", "--link", "--extension", "--format"],
    ("sql",): ["--list-views", "--timeout", "--format", "-o"],
    ("cache", "stats"): ["--format", "-o"],
    ("cache", "verify"): [],
    ("cache", "prune"): ["--expired", "--older-than", "--max-size", "--dry-run"],
    ("cache", "clear"): ["--yes"],
    ("snapshot", "create"): ["--service", "--since", "--until", "--with-files", "--output-dir"],
    ("snapshot", "verify"): [],
    ("snapshot", "restore"): ["--overwrite-newer"],
    ("snapshot", "list"): [],
    ("db", "current"): [],
    ("auth", "status"): [],
    ("auth", "logout"): [],
}  # fmt: skip

VALUES = st.one_of(
    st.sampled_from([
        "M101", "0", "-1", "3", "1e400", "nan", "inf", "0.2 deg", "3 arcmin", "-2 deg",
        "200 deg", "5 m", "210.8 54.3", "14h03m12s +54d20m56s", "91 91", "a,b", "1..2",
        "5..1", "..", "abc..def", "t_exptime=abc..def", "t_exptime=1..2", "obs_collection=",
        "=x", "obs_collection=HST,JWST", "x=1", "SELECT 1", "SELECT nope FROM observations",
        "DROP TABLE queries", "-", "csv", "json", "parquet", "table", "xml", "hard", "copy",
        "symlink", "30d", "never", "3 parsecs", "10GB", "lots", "2025-01-01", "2025-13-01",
        "{tmp}", "{tmp}/out.csv", "{tmp}/none/x.csv", "{file}", "{file}/x", "zzzz", ".",
        "SIMBAD", "NED", "obsid", "nope,obsid", "", " ", "--", "--help", "-h", "'", "\"",
        "%s", "ø", "\x00",
    ]),
    st.text(max_size=12),
)  # fmt: skip


@st.composite
def argument_lists(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    options = COMMANDS[command]
    args = list(command)
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.integers(0, 3))
        if kind == 0 and options:
            args.append(draw(st.sampled_from(options)))
        elif kind == 1 and options:
            args += [draw(st.sampled_from(options)), draw(VALUES)]
        else:
            args.append(draw(VALUES))
    return args


RUNS = 300
counted: list[int] = []


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "plain.txt").write_text("x\n")
    return {"tmp": str(root), "file": str(root / "plain.txt"), "cache": str(root / "cache")}


@settings(
    max_examples=RUNS,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(args=argument_lists())
def test_no_traceback_whatever_the_arguments(args: list[str], place: dict[str, str]) -> None:
    counted.append(1)
    filled = [arg.replace("{tmp}", place["tmp"]).replace("{file}", place["file"]) for arg in args]
    if "\x00" in "".join(filled):  # the shell cannot pass a NUL byte in an argument
        return
    argv = ["--cache-dir", place["cache"], "--mode", "offline", "--mast-url",
            "http://127.0.0.1:9", *filled]  # fmt: skip
    outcome = run_main(argv, stdin="n\n")
    assert "Traceback" not in outcome.stderr, (args, outcome.stderr)
    assert "error: unexpected " not in outcome.stderr, (args, outcome.stderr)
    error_lines = [line for line in outcome.lines if line.startswith(("error:", "Error:"))]
    assert len(error_lines) <= 1, (args, outcome.stderr)
    if error_lines:  # a refused command says so in that one line, and exits non-zero
        assert outcome.code != 0 and len(outcome.lines) == 1, (args, outcome.stderr)


def test_the_generated_runs_were_many() -> None:
    """Runs after the property test in file order: it really ran (nearly) RUNS examples."""
    print(f"\n{len(counted)} generated argument lists ran")
    assert len(counted) >= RUNS * 0.9
