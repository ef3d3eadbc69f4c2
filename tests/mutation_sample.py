"""Sampled mutation score of one module of the caching core (docs/testing.md, issue #24).

A full mutmut run over the caching core is thousands of mutants; on 2 shared CPUs that is
not affordable. This script generates every mutant of one module (M), draws a seeded random
sample of N, runs mutmut on those N only, with a narrowed test selection for that module (its
own fast tests; heavy and slow tests are deselected), and prints the score with a 95% Wilson
interval. Each module gets its own mutmut folder (``mutants/sample-<module>/``, git-ignored),
so its stats are collected once and reruns only test new tests and the sampled mutants::

    python tests/mutation_sample.py --list                      # M for every module
    nice -n 10 python tests/mutation_sample.py --module archive --sample 80 --seed 1
    python tests/mutation_sample.py --module archive --sample 80 --seed 1 --report
    python tests/mutation_sample.py --module archive --sample 80 --seed 1 --show  # survivors
    nice -n 10 python tests/mutation_sample.py --module archive --sample 80 --seed 1 --survivors
    nice -n 10 python tests/mutation_sample.py --module store --sample 30 --report --confirm

A mutant counts as killed when its tests failed or timed out; survived, "no tests" (no
selected test calls its function) and suspicious count against the score. ``--confirm``
reruns each kill alone against the mutant's own tests: under load, with two children, a test
can fail for a reason of its own (seen with the team suites), and mutmut counts that as a
kill; a kill not confirmed alone counts as survived.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "mutants"
#: copied into each module's folder (mutmut copies them again into its own mutants/)
COPIED = ("mastcache", "migrations", "tests", "setup.py", "README.md")
#: what mutmut adds to every pytest call: never the slow tests, heavy ones only when named
PYTEST_ARGS = ["-p", "no:randomly", "-q", "--timeout", "120"]


@dataclass(frozen=True)
class Target:
    """One module to mutate and the fast tests that guard it; ``heavy``: suites marked heavy
    (tests/conftest.py) selected anyway, because the module's code is theirs alone (team mode)."""

    source: str
    tests: tuple[str, ...]
    heavy: tuple[str, ...] = ()


def markers(target: Target) -> list[str]:
    """The pytest arguments that keep slow and heavy tests out of ``target``'s runs, except the
    heavy suites it names; heavy tests of tests/conftest.py's HEAVY list stay out all the same."""
    if not target.heavy:
        return ["-m", "not heavy and not slow and not remote"]
    return ["-m", "not slow and not remote", *(f"--deselect={node}" for node in heavy_nodes())]


def heavy_nodes() -> list[str]:
    """The test ids of tests/conftest.py's HEAVY (read, not imported: it imports mastcache)."""
    tree = ast.parse((REPO / "tests" / "conftest.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(name, ast.Name) and name.id == "HEAVY" for name in node.targets
        ):
            return sorted(ast.literal_eval(node.value))
    raise LookupError("tests/conftest.py has no HEAVY")


STORE = ("tests/store/test_store.py", "tests/store/test_hitcounts.py")
PRODUCTS = (
    "tests/products/test_downloads.py", "tests/products/test_resume.py",
    "tests/products/test_faults.py", "tests/products/test_records.py",
    "tests/products/test_paths.py", "tests/products/test_compat.py",
)  # fmt: skip
#: the team suites (PostgreSQL catalog + S3) that run the team paths of store.py and blobs.py
TEAM = tuple(f"tests/team/test_team_{name}.py" for name in (
    "products", "recovery", "outage", "scopes", "push_pull_files", "catalog",
))  # fmt: skip
TARGETS = {
    "archive": Target("mastcache/archive.py", ("tests/test_archive.py",)),
    # team mode (half of store.py, most of blobs.py) is tested by tests/team only: heavy, but
    # selected for these two (mutmut runs each mutant against the tests that call its function)
    "store": Target("mastcache/store/store.py", STORE, TEAM),
    "repositories": Target("mastcache/store/repositories.py", STORE),
    "blobs": Target("mastcache/store/blobs.py", ("tests/products/test_records.py",
                                                 "tests/products/test_downloads.py"), TEAM),
    "files": Target("mastcache/store/files.py", ("tests/store/test_store.py",
                                                 "tests/store/test_parquet.py")),
    "parquet": Target("mastcache/store/parquet.py", ("tests/store/test_parquet.py",
                                                     "tests/store/test_tablecopy.py")),
    "catalogindex": Target("mastcache/store/catalogindex.py",
                           ("tests/store/test_catalogindex.py",)),
    "hotcache": Target("mastcache/store/hotcache.py", ("tests/store/test_hotcache.py",)),
    "engine": Target("mastcache/products/engine.py", PRODUCTS),
    "fetch": Target("mastcache/products/fetch.py", PRODUCTS),
    "transport": Target("mastcache/net/transport.py", ("tests/net/test_transport.py",
                                                       "tests/cloud/test_host_limits.py")),
}  # fmt: skip
#: new test files that target a module's mutants join its selection (tests/**/*_mutants.py
#: and tests/test_mutation_*.py name the module they guard; tests/team/test_team_*_mutants.py
#: are team-mode ones, selected like the team suites of ``heavy``)
EXTRA_TESTS = ("tests/test_mutation_{name}.py", "tests/*/test_{name}_mutants.py",
               "tests/team/test_team_{name}_mutants.py")  # fmt: skip


def selection(name: str, *, baseline: bool = False) -> list[str]:
    """The test files run against the mutants of module ``name``; ``baseline``: without the
    files written to kill its survivors (the score before them)."""
    if baseline:
        return [*TARGETS[name].tests, *TARGETS[name].heavy]
    extra = [str(p.relative_to(REPO)) for pattern in EXTRA_TESTS
             for p in sorted(REPO.glob(pattern.format(name=name)))]  # fmt: skip
    return [*TARGETS[name].tests, *TARGETS[name].heavy, *extra]


def folder(name: str) -> Path:
    return WORK / f"sample-{name}"


def mutmut_section(name: str, baseline: bool) -> str:
    """The ``[tool.mutmut]`` section of module ``name``'s folder."""
    config = {
        "source_paths": ["mastcache/"],
        "only_mutate": [TARGETS[name].source],
        "also_copy": ["migrations/", "setup.py", "README.md"],
        "pytest_add_cli_args": [*PYTEST_ARGS, *markers(TARGETS[name])],
        "pytest_add_cli_args_test_selection": selection(name, baseline=baseline),
        # mutants fork from a server that never ran a test: no thread of a finished test
        # (hit-count flusher, emulator) holds a lock in the child (a fork deadlocked so)
        "process_isolation": "forkserver",
    }
    lines = [f"{key} = {json.dumps(value)}" for key, value in config.items()]
    return "[tool.mutmut]\n" + "\n".join(lines) + "\n"


def sync(name: str, baseline: bool = False) -> Path:
    """Copy the checkout into the module's folder (mtimes kept, so mutmut regenerates only
    changed sources) and write its pyproject.toml with this module's mutmut section."""
    target = folder(name)
    target.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for item in COPIED:
        source = REPO / item
        if source.is_dir():
            shutil.copytree(source, target / item, dirs_exist_ok=True, ignore=ignore)
        else:
            shutil.copy2(source, target / item)
    text = (REPO / "pyproject.toml").read_text()
    text = re.sub(r"\[tool\.mutmut\]\n(?:(?!\n\[).)*\n?", "", text, flags=re.DOTALL)
    (target / "pyproject.toml").write_text(
        text.rstrip("\n") + "\n\n" + mutmut_section(name, baseline)
    )
    return target


GENERATE = """
import os
from mutmut.__main__ import copy_also_copy_files, copy_src_dir, create_mutants
os.makedirs("mutants", exist_ok=True)
copy_src_dir()
copy_also_copy_files()
create_mutants(1)
"""


def generate(name: str, baseline: bool = False) -> dict[str, int | None]:
    """Every mutant of module ``name`` with its last result (None: never run)."""
    cwd = sync(name, baseline)
    subprocess.run([sys.executable, "-c", GENERATE], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    meta = cwd / "mutants" / f"{TARGETS[name].source}.meta"
    results: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
    return results


def draw(names: list[str], sample: int, seed: int) -> list[str]:
    """A seeded random sample (the same names for the same module, size and seed)."""
    ordered = sorted(names)
    return sorted(random.Random(seed).sample(ordered, min(sample, len(ordered))))


def run(name: str, mutants: list[str], children: int) -> None:
    """``mutmut run`` on the sampled mutants only (its log: ``mutmut.log`` in the folder)."""
    cwd = folder(name)
    env = {**os.environ, "HYPOTHESIS_PROFILE": "mutation"}
    env.pop("PYTHONPATH", None)  # mutmut puts its own mutants/ first
    command = [shutil.which("mutmut") or "mutmut", "run", "--max-children", str(children)]
    with (cwd / "mutmut.log").open("w") as log:
        subprocess.run([*command, *mutants], cwd=cwd, env=env, stdout=log,
                       stderr=subprocess.STDOUT, check=False)  # fmt: skip


TIMEOUTS = {36, -24, 24, 152, 255}  # mutmut's exit codes of a mutant stopped by its timeout
KILLED = {1, 3, *TIMEOUTS}  # tests failed (a crash counts), or the mutant ran out of time
LABELS = {0: "survived", 33: "no tests", 5: "no tests", None: "not run"}


def wilson(killed: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of ``killed / total``."""
    if total == 0:
        return 0.0, 0.0
    p = killed / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def report(name: str, codes: dict[str, int | None], total: int, seed: int) -> list[str]:
    """Print the score of the sample (``codes``: its mutants' results) and return the names
    of the mutants not killed."""
    killed = sum(1 for code in codes.values() if code in KILLED)
    timeouts = sum(1 for code in codes.values() if code in TIMEOUTS)
    low, high = wilson(killed, len(codes))
    print(f"{name} ({TARGETS[name].source}): {len(codes)} sampled of {total} "
          f"mutants, seed {seed}: {killed} killed ({timeouts} by timeout), "
          f"score {killed / max(len(codes), 1):.1%} (95% CI {low:.1%}-{high:.1%})")  # fmt: skip
    alive = [m for m, code in codes.items() if code not in KILLED]
    for mutant in alive:
        print(f"    {LABELS.get(codes[mutant], f'exit {codes[mutant]}')}: {mutant}")
    return alive


def saved(name: str, sample: int, seed: int) -> Path:
    """Where the last results of this sample are kept. mutmut forgets every verdict when the
    test selection changes (a new test file joins it), so the sample's own record is what
    ``--survivors`` starts from: tests are only ever added, so a killed mutant stays killed."""
    return folder(name) / f"sample-{sample}-seed-{seed}.json"


def confirm(name: str, codes: dict[str, int | None]) -> None:
    """Rerun each mutant killed by failing tests alone, against its own tests (``mutmut
    tests-for-mutant``), one pytest at a time; a kill they do not confirm (every test passes)
    was a test failing for another reason in the loaded parallel run: it counts as survived."""
    mutmut = shutil.which("mutmut") or "mutmut"
    env = {**os.environ, "HYPOTHESIS_PROFILE": "mutation"}
    env.pop("PYTHONPATH", None)  # the mutants/ folder's own mastcache
    for mutant, code in codes.items():
        if code not in KILLED or code in TIMEOUTS:
            continue
        listed = subprocess.run([mutmut, "tests-for-mutant", mutant], cwd=folder(name),
                                capture_output=True, text=True, check=False)  # fmt: skip
        command = [sys.executable, "-m", "pytest", "-x", "-p", "no:cacheprovider", *PYTEST_ARGS,
                   *markers(TARGETS[name]), *listed.stdout.split()]  # fmt: skip
        alone = subprocess.run(command, cwd=folder(name) / "mutants", check=False,
                               env={**env, "MUTANT_UNDER_TEST": mutant},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        if alone.returncode == 0:
            print(f"    kill not confirmed alone, counted as survived: {mutant}")
            codes[mutant] = 0


def show(name: str, mutants: list[str]) -> None:
    """Print mutmut's diff of each mutant."""
    for mutant in mutants:
        subprocess.run([shutil.which("mutmut") or "mutmut", "show", mutant], cwd=folder(name),
                       check=False)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", choices=sorted(TARGETS), action="append")
    parser.add_argument("--sample", type=int, default=80)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--list", action="store_true", help="only count the mutants (M)")
    parser.add_argument(
        "--baseline", action="store_true",
        help="select only the module's original tests (the score before tests/*_mutants.py)",
    )  # fmt: skip
    parser.add_argument("--report", action="store_true", help="score the last run, run nothing")
    parser.add_argument("--show", action="store_true", help="diffs of the sample's survivors")
    parser.add_argument(
        "--confirm", action="store_true",
        help="rerun each killed mutant alone against its own tests; unconfirmed kills survive",
    )  # fmt: skip
    parser.add_argument(
        "--survivors", action="store_true",
        help="rerun only the sampled mutants the last run did not kill (after adding tests)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    for name in args.module or sorted(TARGETS):
        results = generate(name, args.baseline)
        if args.list:
            print(f"{name} ({TARGETS[name].source}): {len(results)} mutants; tests: "
                  f"{' '.join(selection(name))}")  # fmt: skip
            continue
        sampled = draw(list(results), args.sample, args.seed)
        record = saved(name, args.sample, args.seed)
        last = json.loads(record.read_text()) if record.is_file() else {}
        codes = {m: last.get(m, results.get(m)) for m in sampled}
        if not (args.report or args.show):
            todo = [m for m in sampled if codes[m] not in KILLED] if args.survivors else sampled
            run(name, todo, args.max_children)
            results = generate(name, args.baseline)
            codes.update({m: results.get(m) for m in todo})
            record.write_text(json.dumps(codes, indent=1))
        if args.confirm:
            confirm(name, codes)
            record.write_text(json.dumps(codes, indent=1))
        alive = report(name, codes, len(results), args.seed)
        if args.show:
            show(name, alive)
    return 0


if __name__ == "__main__":
    sys.exit(main())
