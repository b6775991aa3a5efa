"""Provenance for a run: versions, git commit, per-stage seeds, file hashes, atomic writes."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

__all__ = [
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "code_version",
    "file_sha256",
    "git_commit",
    "library_versions",
    "release_memory",
    "package_versions",
    "stage_seed",
    "terminal_safe",
]

_LIBRARIES = (
    "cable-topics", "numpy", "scipy", "scikit-learn", "gensim", "tomotopy", "pyarrow",
    "pandas", "matplotlib", "simplemma", "jinja2",
)


# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that
# reorder what a terminal shows.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``), so cable
    content (an origin, a file name) printed to a terminal cannot set its title, clear it
    or move the cursor."""
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1], text)


def stage_seed(seed: int, stage: str) -> int:
    """A stage's own seed derived from the run seed and the stage name.

    Adding a stage shifts nothing: ``SeedSequence([seed, crc32(stage)])``.
    """
    ss = np.random.SeedSequence([int(seed), zlib.crc32(stage.encode())])
    return int(ss.generate_state(1, dtype=np.uint32)[0] & 0x7FFFFFFF)


def package_versions(names: tuple[str, ...], missing: str = "not installed") -> dict[str, str]:
    """Installed version of each distribution in ``names`` (``missing`` where absent)."""
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = missing
    return out


def library_versions() -> dict[str, str]:
    """Python, platform and the versions of every library a run's results depend on."""
    return {"python": platform.python_version(), "platform": sys.platform,
            **package_versions(_LIBRARIES)}


def code_version() -> str:
    try:
        return metadata.version("cable-topics")
    except metadata.PackageNotFoundError:
        return "unknown"


def git_commit() -> str | None:
    """The git commit of the code (None when not run from a checkout)."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    commit = out.stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True, text=True, timeout=5, check=False,
    ).stdout.strip()
    return commit + ("-dirty" if dirty else "")


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def atomic_write(path: str | Path, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write(fh)`` on a temporary file beside ``path``, then rename it into place.

    A reader never sees a half-written file, and an interrupted write leaves the old one.
    The file gets mode 0644 (``mkstemp`` creates 0600; run outputs are meant to be shared).
    The one place in the project where files are written atomically.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())  # on disk before the rename makes it visible
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` atomically (see `atomic_write`)."""
    return atomic_write(path, lambda fh: fh.write(data))


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def release_memory() -> None:
    """Hand freed memory back to the operating system after a big pass.

    numpy arrays of a few MB come from the C heap, and glibc keeps a freed heap for reuse
    (``malloc_trim`` returns it); Arrow keeps freed buffers in its pool. Without this a
    pass's peak stays in the process's RSS, and in every worker forked afterwards.
    No-op where neither applies.
    """
    import gc

    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # pragma: no cover - old pyarrow
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        pass
