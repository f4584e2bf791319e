#!/usr/bin/env python3
"""Verify the vendored front-end files against aimak/static/vendor/manifest.json.

Every file listed in the manifest must exist under aimak/static/vendor and have
the recorded sha256.  Files present in the vendor directory but missing from the
manifest are reported too (unless --allow-unlisted), so nothing gets vendored
without its library, version and licence being recorded.

Usage:
    python scripts/vendor_check.py [--manifest PATH] [--root DIR] [--allow-unlisted]

Exit status: 0 = all good, 1 = problems found (listed on stderr),
2 = manifest missing or malformed.

Plain Python 3.11 standard library; importable (see ``check``) for unit tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path, PurePosixPath

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = REPO_ROOT / "aimak" / "static" / "vendor" / "manifest.json"

REQUIRED_FIELDS = ("path", "library", "version", "license", "sha256")
# Files in the vendor directory that are bookkeeping, not vendored code.
BOOKKEEPING = frozenset({"manifest.json", "VENDORED.md"})


class ManifestError(Exception):
    """The manifest itself is missing or malformed."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_manifest(manifest_path: Path) -> list[dict]:
    """Return the manifest's file entries, raising ManifestError if unusable."""
    try:
        data = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError(f"manifest not found: {manifest_path}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"cannot read manifest {manifest_path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise ManifestError(f"manifest {manifest_path} has no 'files' list")
    return data["files"]


def check(
    manifest_path: Path | str = DEFAULT_MANIFEST,
    root: Path | str | None = None,
    allow_unlisted: bool = False,
) -> list[str]:
    """Return a list of human-readable problems; empty means everything matches.

    ``root`` defaults to the directory containing the manifest.
    Raises ManifestError if the manifest cannot be read at all.
    """
    manifest_path = Path(manifest_path)
    root = Path(root) if root is not None else manifest_path.parent
    entries = load_manifest(manifest_path)
    problems: list[str] = []
    seen: set[str] = set()

    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(f"entry #{index}: not an object")
            continue
        missing = [f for f in REQUIRED_FIELDS if not isinstance(entry.get(f), str) or not entry.get(f)]
        label = entry.get("path") if isinstance(entry.get("path"), str) else f"entry #{index}"
        if missing:
            problems.append(f"{label}: missing or empty field(s): {', '.join(missing)}")
            if "path" in missing or "sha256" in missing:
                continue
        rel = PurePosixPath(entry["path"])
        if rel.is_absolute() or ".." in rel.parts or "\\" in entry["path"]:
            problems.append(f"{label}: path must be relative to the vendor directory, without '..'")
            continue
        key = rel.as_posix()
        if key in seen:
            problems.append(f"{label}: listed more than once")
            continue
        seen.add(key)

        target = root.joinpath(*rel.parts)
        if not target.is_file():
            problems.append(f"{label}: missing file ({target})")
            continue
        expected = entry["sha256"].lower()
        actual = sha256_of(target)
        if actual != expected:
            problems.append(f"{label}: sha256 mismatch: manifest {expected}, file {actual}")

    if not allow_unlisted and root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel_key = path.relative_to(root).as_posix()
            if rel_key in seen or rel_key in BOOKKEEPING:
                continue
            problems.append(f"{rel_key}: present in the vendor directory but not listed in the manifest")

    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST,
                        help=f"manifest JSON (default: {DEFAULT_MANIFEST})")
    parser.add_argument("--root", type=Path, default=None,
                        help="directory the manifest paths are relative to (default: the manifest's directory)")
    parser.add_argument("--allow-unlisted", action="store_true",
                        help="do not complain about files that are not in the manifest")
    args = parser.parse_args(argv)

    try:
        problems = check(args.manifest, args.root, allow_unlisted=args.allow_unlisted)
    except ManifestError as exc:
        print(f"vendor_check: {exc}", file=sys.stderr)
        return 2

    if problems:
        print(f"vendor_check: {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1

    count = len(load_manifest(args.manifest))
    print(f"vendor_check: OK, {count} file(s) verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
