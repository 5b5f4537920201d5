"""Fast, stdlib-only reading of installed distributions' entry points.

``importlib.metadata`` parses every distribution's ``METADATA`` with the
``email`` package, which costs more than the rest of ``zhongtai plugins list``
put together once a hundred plugin distributions are installed.  This module
reads what discovery needs straight from the ``.dist-info`` (or ``.egg-info``)
directories on the search path: the ``entry_points.txt`` sections (parsed like
``importlib.metadata`` does: ``name = value`` split at the first ``=``) and the
``Name``, ``Version`` and ``Summary`` headers of ``METADATA``.  Zip files on the
path are delegated to ``importlib_metadata``.

Contract: :func:`entry_points` returns every entry point of a group declared by
any distribution on the path, in path order, with the declaring distribution's
name and version; a distribution found twice on the path is reported twice
(callers decide what a duplicate means).  Nothing is imported or executed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import NamedTuple

_SUFFIXES = (".dist-info", ".egg-info")


class InstalledEntryPoint(NamedTuple):
    """One entry point and the distribution that declares it."""

    group: str
    name: str
    value: str
    distribution: str
    version: str
    summary: str


def parse_entry_points(text: str) -> Iterator[tuple[str, str, str]]:
    """``(group, name, value)`` for each entry in an ``entry_points.txt`` document."""
    group = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            continue
        name, sep, value = line.partition("=")
        if sep and group:
            yield group, name.strip(), value.strip()


def read_headers(directory: str) -> dict[str, str]:
    """The ``Name``, ``Version`` and ``Summary`` headers of a distribution's metadata file."""
    headers: dict[str, str] = {}
    for filename in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(directory, filename), encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    if not line.strip():
                        break  # the headers end at the first blank line
                    key, sep, value = line.partition(":")
                    if sep and key in ("Name", "Version", "Summary") and key not in headers:
                        headers[key] = value.strip()
        except OSError:
            continue
        return headers
    return headers


def _from_directory(entry: str, groups: frozenset[str]) -> Iterator[InstalledEntryPoint]:
    try:
        names = sorted(name for name in os.listdir(entry) if name.endswith(_SUFFIXES))
    except OSError:
        return
    for name in names:
        directory = os.path.join(entry, name)
        try:
            with open(os.path.join(directory, "entry_points.txt"), encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError):
            continue
        found = [item for item in parse_entry_points(text) if item[0] in groups]
        if not found:
            continue
        headers = read_headers(directory)
        stem = name.rsplit(".", 1)[0]
        fallback_name, _, fallback_version = stem.partition("-")
        for group, ep_name, value in found:
            yield InstalledEntryPoint(
                group, ep_name, value, headers.get("Name", fallback_name),
                headers.get("Version", fallback_version), headers.get("Summary", ""),
            )


def _from_archive(entry: str, groups: frozenset[str]) -> Iterator[InstalledEntryPoint]:
    import importlib_metadata

    for dist in importlib_metadata.distributions(path=[entry]):
        for ep in dist.entry_points:
            if ep.group in groups:
                meta = dist.metadata
                yield InstalledEntryPoint(ep.group, ep.name, ep.value, meta["Name"] or "", dist.version,
                                          meta["Summary"] or "")


def entry_points(groups: str | Sequence[str], path: Sequence[str]) -> list[InstalledEntryPoint]:
    """Every entry point of *groups* declared by distributions on *path*, in path order."""
    wanted = frozenset([groups] if isinstance(groups, str) else groups)
    found: list[InstalledEntryPoint] = []
    for entry in path:
        location = entry or "."
        if os.path.isdir(location):
            found.extend(_from_directory(location, wanted))
        elif os.path.isfile(location):
            found.extend(_from_archive(location, wanted))
    return found
