"""``python -m benchmarks [NAME] [ARGS...]``: run one benchmark, or all of them.

``NAME`` is a module ``benchmarks/bench_<NAME>.py`` (``ingest`` or ``bench_ingest``); the
remaining arguments go to its ``main(argv)``. Without a name every ``bench_*`` module runs
with its defaults, one after the other. ``--list`` lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    """Benchmark names (``bench_<name>`` modules in this package), sorted."""
    return sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(HERE)])
        if m.name.startswith("bench_")
    )


def run(name: str, argv: Sequence[str]) -> int:
    """Import ``benchmarks.bench_<name>`` and call its ``main(argv)``."""
    name = name.removeprefix("bench_").removesuffix(".py")
    names = available()
    if name not in names:
        print(
            f"python -m benchmarks: no benchmark {name!r}; expected one of {names} "
            f"(a module benchmarks/bench_<name>.py)",
            file=sys.stderr,
        )
        return 2
    module = importlib.import_module(f"benchmarks.bench_{name}")
    return int(module.main(list(argv)) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        print("benchmarks:", ", ".join(available()))
        return 0
    if argv and argv[0] == "--list":
        print("\n".join(available()))
        return 0
    if argv and not argv[0].startswith("-"):
        return run(argv[0], argv[1:])
    failed = []
    for name in available():
        print(f"\n## {name}\n", flush=True)
        t0 = time.perf_counter()
        rc = run(name, argv)
        print(f"\n({name}: {time.perf_counter() - t0:.1f} s, exit {rc})", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
