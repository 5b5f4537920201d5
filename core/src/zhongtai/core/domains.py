"""Extension-point domains: the kernel's own and those declared by installed distributions.

A domain is one spec module (hookspecs declared with
:func:`~zhongtai.core.extension.extension_point`, plus the attrs contract types
they use) whose points are all named ``<domain>.<point>``.  The kernel ships
the domains of :data:`zhongtai.core.specs.SPEC_MODULES` (versioned together as
the extension API, :data:`~zhongtai.core.extension.API_VERSION`).  Any
distribution can add a domain through the ``zhongtai.specs`` entry-point group::

    [project.entry-points."zhongtai.specs"]
    coupons = "acme_coupons.specs"          # domain name = spec module

and a ``[specs.<domain>]`` table in the ``zhongtai_plugins.toml`` manifest
beside (or one package above) the spec module::

    [specs.coupons]
    version = "1.0"                 # the domain's own contract version: coupons/1.0
    title = "Coupons: issue and redeem"
    owner = "platform-coupons"

Contracts:

* :func:`discover_domains` reads metadata only (entry points and manifests);
  nothing is imported.  A bad name, a missing or bad manifest entry, a name that
  is already a kernel domain, or one declared by two distributions marks the
  domain ``failed`` with one line saying why (a clash names both distributions).
* :func:`load_domains` imports each usable package domain and validates it:
  it must declare at least one extension point, all named ``<domain>.*``, every
  input annotated, no hook name already taken.  A domain that fails is marked
  ``failed`` and adds nothing; nothing propagates.
* Plugins implementing a package domain's points pin its version in their
  manifest (``specs = { coupons = ">=1.0,<2" }``); see
  :func:`domain_incompatibility`.  A plugin whose domain is not installed or
  failed is ``incompatible``, never a crash.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    import pluggy

    from zhongtai.core.entrypoints import InstalledEntryPoint
    from zhongtai.core.extension import ExtensionPoint

from zhongtai.core.discovery import FAILED, OK

SPECS_GROUP = "zhongtai.specs"
KERNEL_DISTRIBUTION = "zhongtai-core"
DOMAIN_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


@attrs.frozen
class DomainInfo:
    """One extension-point domain: where it comes from, its contract version, and whether it is usable."""

    name: str
    module: str
    distribution: str
    version: str  # the distribution's version
    spec_version: str  # the domain's contract version (the kernel's: the extension API version)
    title: str = ""
    owner: str = ""
    kernel: bool = False
    status: str = OK
    error: str | None = None

    @property
    def label(self) -> str:
        """``coupons/1.0``."""
        return f"{self.name}/{self.spec_version}"

    @property
    def provider(self) -> str:
        """``acme-coupons 1.0`` -- the distribution that declares it."""
        return f"{self.distribution} {self.version}".strip()


def kernel_domains(api_version: str | None = None) -> dict[str, DomainInfo]:
    """The kernel's own domains, by name (their version is the extension API's)."""
    from zhongtai.core.specs import SPEC_MODULES

    if api_version is None:
        from zhongtai.core.extension import API_VERSION

        api_version = API_VERSION
    version = api_version
    return {
        module.rsplit(".", 1)[-1]: DomainInfo(
            name=module.rsplit(".", 1)[-1], module=module, distribution=KERNEL_DISTRIBUTION, version="",
            spec_version=version, kernel=True,
        )
        for module in SPEC_MODULES
    }


def _from_manifest(ep: InstalledEntryPoint, search_path: Sequence[str]) -> DomainInfo:
    from zhongtai.core.discovery import read_manifest

    module = ep.value.split(":", 1)[0].strip()
    base = DomainInfo(name=ep.name, module=module, distribution=ep.distribution, version=ep.version,
                      spec_version="")
    if not DOMAIN_NAME.fullmatch(ep.name):
        return attrs.evolve(base, status=FAILED, error=(
            f"extension-point domain name {ep.name!r} of {base.provider} is not lowercase letters, digits "
            "and underscores starting with a letter"))
    if ":" in ep.value:
        return attrs.evolve(base, status=FAILED, error=(
            f"the {SPECS_GROUP} entry point {ep.name!r} of {base.provider} must name a module, not {ep.value!r}"))
    manifest, error = read_manifest(module, search_path)
    if error:
        return attrs.evolve(base, status=FAILED, error=error)
    entry = manifest.get("specs", {}).get(ep.name) if isinstance(manifest.get("specs"), dict) else None
    if not isinstance(entry, dict):
        return attrs.evolve(base, status=FAILED, error=f"manifest of {module} has no [specs.{ep.name}] table")
    version = str(entry.get("version", ""))
    if _invalid_version(version):
        return attrs.evolve(base, status=FAILED, error=(
            f"[specs.{ep.name}] version {version!r} is not a version number (e.g. \"1.0\")"))
    return attrs.evolve(base, spec_version=version, title=str(entry.get("title", ep.name)),
                        owner=str(entry.get("owner", "")))


@functools.lru_cache(maxsize=64)
def _invalid_version(text: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        Version(text)
    except InvalidVersion:
        return True
    return not text


def discover_domains(
    entry_points: Iterable[InstalledEntryPoint], search_path: Sequence[str], api_version: str | None = None,
) -> dict[str, DomainInfo]:
    """The kernel's domains plus those declared by *entry_points* (group ``zhongtai.specs``); imports nothing."""
    domains = kernel_domains(api_version)
    for ep in entry_points:
        if ep.group != SPECS_GROUP:
            continue
        info = _from_manifest(ep, search_path)
        previous = domains.get(ep.name)
        if previous is None:
            domains[ep.name] = info
        elif previous.kernel:
            # the kernel's domain stays; the package's is refused (reported under its own key)
            domains[f"{ep.name} ({info.provider})"] = attrs.evolve(info, status=FAILED, error=(
                f"extension-point domain {ep.name!r} of {info.provider} clashes with the kernel's "
                f"({KERNEL_DISTRIBUTION}); refused"))
        elif previous.distribution != info.distribution:
            domains[ep.name] = attrs.evolve(previous, status=FAILED, error=(
                f"extension-point domain {ep.name!r} is declared by both {previous.provider} and "
                f"{info.provider}; refused"))
        # the same distribution seen twice on the path: keep the first
    return domains


def _validate(info: DomainInfo, module: Any, hooks_taken: Mapping[str, str]) -> list[ExtensionPoint]:
    """The points of *module*, or ``ValueError`` saying why the domain cannot be used."""
    from zhongtai.core.extension import extension_points_of

    points = extension_points_of(module)
    if not points:
        raise ValueError(f"{info.module} declares no extension point (use @extension_point)")
    for point in points:
        if point.domain != info.name:
            raise ValueError(f"{info.module} declares {point.name!r}, outside its domain {info.name!r}")
        if point.hook_name in hooks_taken:
            raise ValueError(f"hook name {point.hook_name!r} of {point.name} is already taken by "
                             f"{hooks_taken[point.hook_name]}")
        for argument in point.arguments:
            if point.argument_types.get(argument) is inspect.Parameter.empty:
                raise ValueError(f"argument {argument!r} of {point.name} has no type annotation")
    return points


def load_domains(
    manager: pluggy.PluginManager, domains: Mapping[str, DomainInfo],
) -> tuple[dict[str, ExtensionPoint], dict[str, DomainInfo]]:
    """Import every usable domain into *manager*; return all points by name and the domains' final state.

    Kernel domains come first and must load (a kernel that cannot import its own
    specs is broken); a package domain that fails to import or validate is
    returned ``failed`` with the reason and adds no hookspec.
    """
    from zhongtai.core.extension import extension_points_of
    from zhongtai.core.runtime.catalog import failure_reason

    points: dict[str, ExtensionPoint] = {}
    result = dict(domains)
    ordered = sorted(domains.values(), key=lambda d: (not d.kernel, "" if d.kernel else d.name))  # stable
    for info in ordered:
        if info.status != OK:
            continue
        if info.kernel:
            module = importlib.import_module(info.module)
            manager.add_hookspecs(module)
            points.update((p.name, p) for p in extension_points_of(module))
            continue
        taken = {p.hook_name: p.name for p in points.values()}
        try:
            module = importlib.import_module(info.module)
            declared = _validate(info, module, taken)
            manager.add_hookspecs(module)
        except (Exception, SystemExit) as exc:
            why = str(exc) if isinstance(exc, ValueError) else f"import of {info.module} failed: {failure_reason(exc)}"
            result[info.name] = attrs.evolve(info, status=FAILED, error=f"{info.label} of {info.provider}: {why}")
            continue
        points.update((p.name, p) for p in declared)
    return points, result


def installed_extension_points(path: Sequence[str] | None = None) -> dict[str, ExtensionPoint]:
    """Every usable extension point on *path* (default ``sys.path``): the kernel's and packages', by name.

    This is the one enumeration for code that has no Platform (the SDK,
    completion); a Platform's own set is ``platform.extension_points``.
    """
    return _installed(tuple(path if path is not None else sys.path))[0]


def installed_domains(path: Sequence[str] | None = None) -> dict[str, DomainInfo]:
    """Every domain on *path* after loading, by name (failed ones carry their reason)."""
    return _installed(tuple(path if path is not None else sys.path))[1]


@functools.lru_cache(maxsize=8)  # keyed by the path: a changed sys.path is looked at afresh
def _installed(path: tuple[str, ...]) -> tuple[dict[str, ExtensionPoint], dict[str, DomainInfo]]:
    import pluggy

    from zhongtai.core.entrypoints import entry_points
    from zhongtai.core.markers import PROJECT

    search = list(path)
    domains = discover_domains(entry_points(SPECS_GROUP, search), search)
    return load_domains(pluggy.PluginManager(PROJECT), domains)


def domain_incompatibility(
    points: Sequence[str], pins: Mapping[str, str], domains: Mapping[str, DomainInfo],
) -> str | None:
    """Why a plugin implementing *points* with version *pins* cannot use the installed *domains*, or ``None``.

    Kernel domains are covered by the plugin's ``api`` range; a package domain
    must be installed, usable, and pinned by a range containing its version.
    """
    from zhongtai.core.discovery import api_incompatibility

    for point in points:
        name = point.split(".", 1)[0]
        domain = domains.get(name)
        if domain is None:
            return (f"implements {point}, but no installed distribution declares the extension-point "
                    f"domain {name!r} ({SPECS_GROUP})")
        if domain.kernel:
            continue
        if domain.status != OK:
            return f"extension-point domain {name!r} is unavailable: {domain.error}"
        pin = pins.get(name)
        if not pin:
            return f"declares no supported version range of extension-point domain {name!r} (specs.{name} = ...)"
        reason = api_incompatibility(pin, domain.spec_version)
        if reason:
            return (f"supports {name} {pin}, {domain.provider} provides {domain.label}"
                    if "not a valid" not in reason else f"specs.{name}: {reason}")
    return None
