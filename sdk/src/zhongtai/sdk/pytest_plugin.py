"""The pytest plugin for plugin authors (entry point ``pytest11``: ``zhongtai``).

Fixtures, for the plugin project whose ``pyproject.toml`` is at pytest's rootdir
(or the ini option ``zhongtai_project``), loaded from its source tree so the
tests run before the package is installed:

``zhongtai_project``
    the project's plugins as read from pyproject.toml and their manifests.
``zhongtai_plugins``
    the installed plugins the platform holds besides the project's (default: the
    ini option ``zhongtai_plugins``, none unless set).
``zhongtai_platform``
    a Platform on a fresh SQLite registry in ``tmp_path`` holding the project's
    plugins and, of the installed ones, only ``zhongtai_plugins``; closed after the test.
``zhongtai_enable(plugin=None, business=None, *, config=None, priority=None)``
    enables a plugin (default: every plugin of the project) for a business
    (default: the ini option ``zhongtai_business``), creating the business and
    its ancestors; returns the business's ``BusinessView``.
``zhongtai_business``
    the ``BusinessView`` of ``zhongtai_business`` with every plugin of the project enabled.
``zhongtai_conformance(plugin=None, *, config=None, examples=None, max_examples=50)``
    runs :func:`zhongtai.sdk.conformance.assert_conforms` for a plugin (default:
    each plugin of the project); fails the test with the violation.
``zhongtai_examples(point)``
    a valid, deterministic set of inputs for a call of an extension point.

This module is loaded into every pytest run of an environment where zhongtai-sdk
is installed, so it imports nothing heavy at module level: the kernel, SQLAlchemy
and hypothesis are imported by the fixtures that need them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from zhongtai.core.runtime import BusinessView, Platform
    from zhongtai.sdk.conformance import ConformanceReport
    from zhongtai.sdk.metadata import ProjectPlugins

DEFAULT_BUSINESS = "demo"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("zhongtai_business", "business code the zhongtai_* fixtures enable plugins for",
                  default=DEFAULT_BUSINESS)
    parser.addini("zhongtai_project", "directory of the plugin project's pyproject.toml (default: rootdir)",
                  default="")
    parser.addini("zhongtai_plugins", "installed plugins the test platform holds besides the project's "
                  "(e.g. channels.rules); default: none", type="args", default=[])


def _fail(message: str) -> Any:
    """Fail the test with *message* alone (call it outside ``except`` blocks, or pytest shows the chain)."""
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def zhongtai_project(pytestconfig: pytest.Config) -> ProjectPlugins:
    """The plugin project under test: its plugins as read from pyproject.toml and their manifests.

    The project is the directory of pytest's rootdir (or the ini option
    ``zhongtai_project``); its source roots are put on ``sys.path`` so the tests
    run before the package is installed.  Outside a plugin project the test fails
    with one line saying why.
    """
    from zhongtai.core.errors import ZhongtaiError
    from zhongtai.sdk.metadata import read_project

    configured = str(pytestconfig.getini("zhongtai_project") or "")
    root = (pytestconfig.rootpath / configured) if configured else pytestconfig.rootpath
    problem: str | None = None
    try:
        project = read_project(root.resolve())
    except ZhongtaiError as exc:
        problem = f"zhongtai fixtures need a plugin project: {exc.message}"
    if problem:  # failed outside the except block, so pytest shows the message once, without the chain
        _fail(problem)
    for source in reversed(project.source_roots):  # make the project importable from its sources
        if str(source) not in sys.path:
            sys.path.insert(0, str(source))
    return project


@pytest.fixture
def zhongtai_business_code(pytestconfig: pytest.Config) -> str:
    """The business the fixtures enable plugins for: the ini option ``zhongtai_business`` (default ``demo``)."""
    return str(pytestconfig.getini("zhongtai_business") or DEFAULT_BUSINESS)


@pytest.fixture
def zhongtai_plugins(pytestconfig: pytest.Config) -> list[str]:
    """Installed plugins the test platform holds besides the project's: the ini option ``zhongtai_plugins``.

    Set it in ``[tool.pytest.ini_options]`` (``zhongtai_plugins = ["channels.rules"]``),
    or override this fixture in a ``conftest.py`` (per module, per test with
    ``@pytest.mark.parametrize(..., indirect=...)`` or a fixture of the same name)
    to return the names a test needs.  Default: none, so the project is tested on
    its own.
    """
    return [str(name) for name in pytestconfig.getini("zhongtai_plugins")]


@pytest.fixture
def zhongtai_platform(zhongtai_project: ProjectPlugins, zhongtai_plugins: list[str],
                      tmp_path: Path) -> Iterator[Platform]:
    """A Platform on a fresh SQLite registry in ``tmp_path``: the project's plugins plus ``zhongtai_plugins``.

    No other installed plugin is visible (``platform.plugins.infos()`` lists exactly
    these).  Use its ``create_business``, ``enable``, ``business(code).call`` ... as
    in production; it is closed after the test.  A name in ``zhongtai_plugins`` that
    is not installed fails the test with one line.
    """
    from zhongtai.core.errors import ZhongtaiError
    from zhongtai.sdk.testing import make_platform

    problem = ""
    try:
        platform = make_platform(f"sqlite:///{tmp_path / 'zhongtai-registry.db'}", project=zhongtai_project,
                                 include=zhongtai_plugins)
    except ZhongtaiError as exc:
        problem = f"zhongtai_plugins: {exc.message}"
    if problem:
        _fail(problem)
    try:
        yield platform
    finally:
        platform.close()


@pytest.fixture
def zhongtai_enable(
    zhongtai_platform: Platform, zhongtai_project: ProjectPlugins, zhongtai_business_code: str,
) -> Callable[..., BusinessView]:
    """``enable(plugin=None, business=None, *, config=None, priority=None) -> BusinessView``.

    Enables *plugin* (default: every plugin of the project) at *business* (default:
    ``zhongtai_business_code``) on ``zhongtai_platform``, creating the business and
    its ancestors; returns the business's view for calls.  A refused change (bad
    config, unknown plugin) fails the test with the kernel's one-line reason.
    """
    from zhongtai.core.errors import ZhongtaiError
    from zhongtai.sdk.testing import enable

    def enable_plugin(
        plugin: str | None = None, business: str | None = None, *, config: Mapping[str, Any] | None = None,
        priority: int | None = None,
    ) -> BusinessView:
        code = business or zhongtai_business_code
        names = [plugin] if plugin else [info.name for info in zhongtai_project.plugins]
        try:
            for name in names:
                view = enable(zhongtai_platform, name, code, config=config, priority=priority)
        except ZhongtaiError as exc:
            problem = f"cannot enable {', '.join(names)} for {code}: {exc.message}"
        else:
            return view
        return _fail(problem)  # type: ignore[no-any-return]

    return enable_plugin


@pytest.fixture
def zhongtai_business(zhongtai_enable: Callable[..., BusinessView]) -> BusinessView:
    """The ``BusinessView`` of ``zhongtai_business_code`` with every plugin of the project enabled (defaults)."""
    return zhongtai_enable()


@pytest.fixture
def zhongtai_conformance(
    zhongtai_project: ProjectPlugins, zhongtai_business_code: str,
) -> Callable[..., list[ConformanceReport]]:
    """``check(plugin=None, *, config=None, examples=None, max_examples=50) -> list[ConformanceReport]``.

    Runs :func:`zhongtai.sdk.conformance.assert_conforms` for *plugin* (default:
    each plugin of the project): every extension point it implements is called with
    generated inputs and its answers are checked against the point's contract.  A
    violation fails the test with one message naming the input.
    """
    from zhongtai.sdk.conformance import ConformanceError, assert_conforms

    def check(
        plugin: str | None = None, *, config: Mapping[str, Any] | None = None,
        examples: Mapping[str, Sequence[Mapping[str, Any]]] | None = None, max_examples: int = 50,
    ) -> list[ConformanceReport]:
        names = [plugin] if plugin else [info.name for info in zhongtai_project.plugins]
        try:
            return [
                assert_conforms(name, zhongtai_project, business=zhongtai_business_code, config=config,
                                examples=examples, max_examples=max_examples)
                for name in names
            ]
        except ConformanceError as exc:
            problem = str(exc)
        return _fail(problem)  # type: ignore[no-any-return]

    return check


@pytest.fixture
def zhongtai_examples() -> Callable[[str], dict[str, Any]]:
    """``examples(point) -> dict``: a valid, deterministic set of keyword arguments for a call of *point*."""
    from zhongtai.sdk.testing import example_inputs

    return example_inputs
