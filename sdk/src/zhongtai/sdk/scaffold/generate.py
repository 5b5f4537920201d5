"""Generating a plugin package: names -> rendered files -> one directory written atomically.

:func:`plan` validates the user's input and derives every name once
(:class:`PluginPlan`); :func:`render` turns a plan into ``{relative path: text}``
from the jinja2 templates shipped in ``zhongtai/sdk/scaffold/templates``;
:func:`write` puts the files into a new directory, all or nothing.

For ``new-plugin vip-discount --business edu.k12 -e pricing.adjust``::

    plugin name      edu-k12.vip-discount           (entry point, manifest, CLI)
    distribution     zhongtai-plugin-edu-k12-vip-discount
    package          edu_k12_vip_discount            (src/edu_k12_vip_discount/)
    config class     VipDiscountConfig               (edu_k12_vip_discount.config)
    directory        ./edu-k12-vip-discount
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from zhongtai.core.errors import UserError
from zhongtai.core.extension import API_VERSION, ExtensionPoint, Policy
from zhongtai.core.identity import lineage, validate_code
from zhongtai.sdk.scaffold.signature import (
    KERNEL_SPECS,
    STDLIB_MODULES,
    HookSource,
    Imports,
    hook_source,
    isort_key,
)

_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")


#: The longest plugin name (without the team prefix): it also names a directory and a package.
MAX_NAME = 60
#: The longest --title / --owner.
MAX_TEXT = 200


class ScaffoldError(UserError):
    """Input ``zhongtai new-plugin`` cannot turn into a package (nothing was written)."""


def _check_line(option: str, value: str) -> None:
    """--title / --owner: one line of printable text, at most :data:`MAX_TEXT` characters."""
    from zhongtai.core.terminal import safe_text

    if not value.strip():
        raise ScaffoldError(f"{option} must not be empty")
    if len(value) > MAX_TEXT:
        raise ScaffoldError(f"{option} is {len(value)} characters long; the limit is {MAX_TEXT}")
    if safe_text(value) != value:
        raise ScaffoldError(f"{option} must be one line of printable text (no newlines or control characters)")


def python_text(text: str) -> str:
    """*text* escaped for the inside of a Python string or docstring of any quoting: no quote, backslash
    or line break in it can end the literal, so nothing a user gives ever becomes code."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")


@attrs.frozen
class PluginPlan:
    """Every name of the package to generate, derived once from the user's input."""

    plugin: str
    short_name: str
    team: str
    business: str
    distribution: str
    package: str
    config_class: str
    title: str
    owner: str
    api: str
    sdk_requirement: str
    extension_points: tuple[ExtensionPoint, ...]
    directory: Path
    #: package domains implemented: (domain, supported version range) for the manifest's ``specs``
    specs: tuple[tuple[str, str], ...] = ()
    #: the distributions declaring those domains, as requirements (``acme-coupons>=1.4``)
    requirements: tuple[str, ...] = ()


def _compatible(version: str) -> str:
    """``>=0.1,<0.2`` for 0.1.x, ``>=1.2,<2`` for 1.2.x: the range a generated package depends on."""
    parts = [int(p) for p in re.findall(r"\d+", version)[:2]] + [0, 0]
    major, minor = parts[0], parts[1]
    return f">={major}.{minor},<0.{minor + 1}" if major == 0 else f">={major}.{minor},<{major + 1}"


def _sdk_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zhongtai-sdk")
    except PackageNotFoundError:  # running from a source tree
        return "0.1.0"


def plan(
    name: str, business: str, extension_points: Sequence[str], *, output: Path | None = None,
    owner: str | None = None, title: str | None = None, cwd: Path | None = None,
) -> PluginPlan:
    """Validate the input of ``new-plugin`` and derive the names; :class:`ScaffoldError` says what is wrong."""
    from zhongtai.sdk.hooks import extension_points as known_points
    from zhongtai.sdk.metadata import api_range

    try:
        validate_code(business)
    except UserError as exc:
        raise ScaffoldError(f"--business: {exc.message}") from None
    team = business.replace(".", "-")
    short = name[len(team) + 1:] if name.startswith(team + ".") else name
    if len(short) > MAX_NAME:
        raise ScaffoldError(f"plugin name is {len(short)} characters long; the limit is {MAX_NAME}")
    for option, value in (("--title", title), ("--owner", owner)):
        if value is not None:
            _check_line(option, value)
    if not _NAME.match(short):
        raise ScaffoldError(
            f"plugin name {name!r} must be lowercase words joined by '-', starting with a letter "
            f"(e.g. vip-discount; the plugin is then called {team}.vip-discount)"
        )
    known = known_points()
    wanted = list(dict.fromkeys(p.strip() for item in extension_points for p in item.split(",") if p.strip()))
    if not wanted:
        raise ScaffoldError(
            "name the extension points the plugin implements with --extension-point (repeatable); "
            f"they are: {', '.join(known)}"
        )
    unknown = [p for p in wanted if p not in known]
    if unknown:
        raise ScaffoldError(f"unknown extension point {unknown[0]!r} (known: {', '.join(known)})")
    specs, requirements = _package_domains(wanted)
    slug = f"{team}-{short}"
    words = short.split("-")
    directory = output if output is not None else Path(slug)
    if not directory.is_absolute():
        directory = (cwd or Path.cwd()) / directory
    _check_free(directory)
    return PluginPlan(
        plugin=f"{team}.{short}",
        short_name=short,
        team=team,
        business=business,
        distribution=f"zhongtai-plugin-{slug}",
        package=slug.replace("-", "_"),
        config_class="".join(w.capitalize() for w in words) + "Config",
        title=title or f"{' '.join(words).capitalize()} for {business}",
        owner=owner or f"{team}-team",
        api=api_range(API_VERSION),
        sdk_requirement=_compatible(_sdk_version()),
        extension_points=tuple(known[p] for p in wanted),
        directory=directory,
        specs=specs,
        requirements=requirements,
    )


def _package_domains(points: Sequence[str]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The manifest pins and the requirements for the package domains among *points*."""
    from zhongtai.core.domains import installed_domains

    domains = installed_domains()
    used = [domains[name] for name in dict.fromkeys(p.split(".", 1)[0] for p in points)
            if name in domains and not domains[name].kernel]
    return (tuple((d.name, _compatible(d.spec_version)) for d in used),
            tuple(f"{d.distribution}>={d.version}" if d.version else d.distribution for d in used))


# -- rendering --------------------------------------------------------------------------
_NEUTRAL = {
    Policy.FIRST: "Returning None lets the next implementation answer.",
    Policy.PIPELINE: "Returning None passes `{arg}` on unchanged.",
    Policy.COLLECT: "Returning None contributes nothing.",
    Policy.MERGE: "Returning None adds nothing to this layer.",
    Policy.DENY_OVERRIDES: "Returning None means no rule of this plugin applies.",
}

#: What a call returns when the only implementation returns None (asserted by the generated tests).
_NEUTRAL_RESULT = {
    Policy.FIRST: " is None",
    Policy.PIPELINE: ' == inputs["{arg}"]',
    Policy.COLLECT: " == ()",
    Policy.MERGE: " is None",
    Policy.DENY_OVERRIDES: ".allowed is False",
}


@attrs.frozen
class Hook:
    """One extension point as the templates need it."""

    point: ExtensionPoint
    source: HookSource
    spec: str  # what @implements takes: specs.pricing_adjust (kernel), coupons_issue (imported)
    contract: str
    neutral: str
    neutral_result: str
    example_file: str


def _docstring(text: str, indent: str) -> str:
    """*text* as the body of a docstring: escaped, lines after the first indented."""
    body = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip() or "(no contract)"
    first, *rest = body.splitlines()
    return "\n".join([first, *((indent + line) if line.strip() else "" for line in rest)])


def _from_import(module: str, names: Sequence[str], limit: int = 100) -> str:
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= limit:
        return line
    return f"from {module} import (\n" + "".join(f"    {name},\n" for name in names) + ")"


def _hooks(plan_: PluginPlan) -> list[Hook]:
    from zhongtai.sdk.hooks import hookspec

    hooks = []
    for point in plan_.extension_points:
        arg = point.pipeline_arg or ""
        spec = hookspec(point.name)
        source = hook_source(spec)
        kernel = spec.__module__.startswith(KERNEL_SPECS)
        alias = f"{point.domain}_specs"  # the module, not the hookspec: the stub takes the hookspec's name
        if not kernel:
            source = attrs.evolve(source, imports=source.imports | Imports(modules=frozenset({
                (spec.__module__, alias)})))
        hooks.append(Hook(
            point=point,
            source=source,
            spec=f"specs.{point.hook_name}" if kernel else f"{alias}.{point.hook_name}",
            contract=_docstring(point.contract, "    "),
            neutral=_NEUTRAL[point.policy].format(arg=arg),
            neutral_result=_NEUTRAL_RESULT[point.policy].format(arg=arg),
            example_file=f"examples/{point.name}.json",
        ))
    return hooks


def _example_json(point: ExtensionPoint) -> str:
    from zhongtai.core.jsonio import to_json
    from zhongtai.sdk.testing import example_inputs

    return json.dumps(to_json(example_inputs(point)), indent=2, ensure_ascii=False) + "\n"


#: Template -> output path (``{package}`` is replaced).
_TEMPLATES = {
    "pyproject.toml.j2": "pyproject.toml",
    "README.md.j2": "README.md",
    "gitignore.j2": ".gitignore",
    "package_init.py.j2": "src/{package}/__init__.py",
    "zhongtai_plugins.toml.j2": "src/{package}/zhongtai_plugins.toml",
    "config.py.j2": "src/{package}/config.py",
    "plugin.py.j2": "src/{package}/plugin.py",
    "test_plugin.py.j2": "tests/test_plugin.py",
}


def render(plan_: PluginPlan) -> dict[str, str]:
    """Every file of the package, by path relative to the package directory."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("zhongtai.sdk.scaffold", "templates"),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False,
        trim_blocks=True, lstrip_blocks=True,
    )
    environment.filters["toml"] = lambda text: json.dumps(str(text), ensure_ascii=False)  # a TOML basic string
    environment.filters["python_text"] = lambda text: python_text(str(text))  # inside a Python string literal
    hooks = _hooks(plan_)
    imports = Imports()
    for hook in hooks:
        imports = imports | hook.source.imports
    wanted = {"implements", "specs"} if any(h.spec.startswith("specs.") for h in hooks) else {"implements"}
    sdk_names = sorted({n for m, n in imports.names if m == "zhongtai.sdk"} | wanted,
                       key=lambda n: (not n[:1].isupper(), n))
    spec_modules = sorted({m for m, _ in imports.names} - {"zhongtai.sdk"} - set(STDLIB_MODULES))
    spec_imports = [_from_import(m, sorted({n for mm, n in imports.names if mm == m}, key=isort_key))
                    for m in spec_modules]
    module_imports = sorted(f"import {m} as {a}" for m, a in imports.modules if m not in STDLIB_MODULES)
    context: Mapping[str, Any] = {
        "plan": plan_, "hooks": hooks, "api_version": API_VERSION,
        "stdlib_imports": imports.stdlib,
        "sdk_import": "\n".join([*module_imports, *sorted([*spec_imports, _from_import("zhongtai.sdk", sdk_names)],
                                                          key=lambda line: line.split()[1])]),
        "business_lineage": lineage(plan_.business),
    }
    files = {
        target.format(package=plan_.package): environment.get_template(template).render(context)
        for template, target in _TEMPLATES.items()
    }
    for hook in hooks:
        files[hook.example_file] = _example_json(hook.point)
    return files


# -- writing ----------------------------------------------------------------------------
def _check_free(directory: Path) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ScaffoldError(f"{directory} already exists and is not empty; choose another directory with -o")


def write(files: Mapping[str, str], directory: Path) -> None:
    """Create *directory* holding *files*, or nothing at all.

    Refuses an existing non-empty directory.  The files are written to a
    temporary sibling first and renamed into place in one step.
    """
    _check_free(directory)
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    except OSError as exc:
        raise ScaffoldError(f"cannot create {directory}: {exc.strerror or exc}") from None
    try:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        os.chmod(staging, 0o777 & ~_umask())
        if directory.exists():
            directory.rmdir()  # empty (checked above)
        os.rename(staging, directory)
    except BaseException as exc:  # Ctrl-C included: leave nothing behind
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise ScaffoldError(f"cannot write {directory}: {exc.strerror or exc}") from None
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
