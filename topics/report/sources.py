"""The report's "sources" summary: the input files a run read (from the store's or the
run's manifest), their formats, sizes and hashes."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePath
from typing import Any

__all__ = ["sources_summary"]

#: Shown for a value the data does not give (`topics.report.data` uses it too).
UNKNOWN = "(unknown)"


def _find_sources(manifest: dict) -> list[dict]:
    """Sources and their hashes from a store or run manifest, whatever key holds them.

    Each source is ``{"path", "sha256", "format", "size"}``; ``format`` is the manifest's
    (else the file suffix) and ``size`` its byte count where the manifest records one.
    """
    out: list[dict] = []

    def visit(obj: Any, key: str = "") -> None:
        if isinstance(obj, dict):
            if "sha256" in obj and isinstance(obj["sha256"], str):
                size = obj.get("size", obj.get("bytes", obj.get("size_bytes")))
                out.append({
                    "path": str(obj.get("path", key)),
                    "sha256": obj["sha256"],
                    "format": str(obj.get("format") or ""),
                    "size": int(size) if isinstance(size, int | float) else None,
                })
                return
            for k, v in obj.items():
                if isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v):
                    out.append({"path": str(k), "sha256": v, "format": "", "size": None})
                else:
                    visit(v, str(k))
        elif isinstance(obj, list):
            for item in obj:
                visit(item, key)

    visit(manifest)
    seen: set[tuple[str, str]] = set()
    uniq = []
    for s in out:
        if (s["path"], s["sha256"]) not in seen:
            seen.add((s["path"], s["sha256"]))
            if not s["format"]:
                s["format"] = PurePath(s["path"]).suffix.lstrip(".").lower() or UNKNOWN
            uniq.append(s)
    return uniq


def _fill_sizes(sources: list[dict], base: Path | None = None) -> None:
    """Byte sizes of sources the manifest gives none for, from the files where they exist."""
    for src in sources:
        if src["size"] is None:
            path = Path(src["path"])
            if not path.is_absolute() and base is not None:
                path = base / path
            try:
                src["size"] = path.stat().st_size if path.is_file() else None
            except OSError:
                src["size"] = None


def sources_summary(sources: list[dict]) -> dict[str, Any]:
    """Compact summary of a list of sources: counts and bytes per top folder and per format.

    Parameters
    ----------
    sources : list of dict
        ``{"path", "sha256", "format", "size"}`` as from `_find_sources`.

    Returns
    -------
    dict
        ``n_files``, ``total_bytes`` (None when no size is known), ``n_sized``, ``root``
        (the folder all sources share, or ""), ``by_folder`` and ``by_format``: lists of
        ``{"name", "count", "bytes"}``, largest first.
    """
    paths = [PurePath(s["path"]) for s in sources]
    root = ""
    if len(paths) > 1:
        try:
            root = os.path.commonpath([str(p.parent) for p in paths])
        except ValueError:  # absolute and relative paths mixed
            root = ""
    elif paths:
        root = str(paths[0].parent)

    def folder(p: PurePath) -> str:
        try:
            rel = p.relative_to(root) if root else p
        except ValueError:
            rel = p
        return rel.parts[0] + "/" if len(rel.parts) > 1 else "(files at the top)"

    def group(keys: list[str]) -> list[dict]:
        agg: dict[str, list[int]] = {}
        for key, src in zip(keys, sources, strict=True):
            a = agg.setdefault(key, [0, 0])
            a[0] += 1
            a[1] += src["size"] or 0
        return [{"name": k, "count": c, "bytes": b}
                for k, (c, b) in sorted(agg.items(), key=lambda kv: (-kv[1][0], kv[0]))]

    sized = [s["size"] for s in sources if s["size"] is not None]
    return {
        "n_files": len(sources),
        "n_sized": len(sized),
        "total_bytes": int(sum(sized)) if sized else None,
        "root": root,
        "by_folder": group([folder(p) for p in paths]),
        "by_format": group([s["format"] for s in sources]),
    }
