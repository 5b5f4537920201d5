"""Bad input to the CLI, tried systematically with hypothesis.

Random business codes, plugin names, --set values, --input JSON and import
file contents: every invocation exits 0, or exits 1/2 with one ``Error:`` /
usage message and no traceback, and a refused one leaves every row as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.registry_rows import all_rows
from zhongtai.core.cli.main import cli

TRIED = {"cases": 0, "refused": 0}

codes = st.one_of(st.sampled_from(["shop", "shop.outlet", "SHOP", "shop..x", "-x", "x" * 300, ""]),
                  st.text(max_size=30))
names = st.one_of(st.sampled_from(["channels.rules", "nope", "", "x" * 300]), st.text(max_size=20))
texts = st.text(max_size=60)
commands = st.one_of(
    st.tuples(st.just("business"), st.just("create"), codes),
    st.tuples(st.just("business"), st.just("show"), codes),
    st.tuples(st.just("business"), st.sampled_from(["suspend", "resume"]), codes),
    st.tuples(st.just("plugins"), st.just("enable"), names, st.just("--business"), codes,
              st.just("--set"), st.one_of(texts, st.just("rules=[{\"id\": 1}]"), st.just("rules=not json"))),
    st.tuples(st.just("plugins"), st.just("disable"), names, st.just("--business"), codes),
    st.tuples(st.just("plugins"), st.just("config"), names, st.just("--business"), codes),
    st.tuples(st.just("plugins"), st.just("enable"), names, st.just("--business"), codes,
              st.just("--priority"), texts),
    st.tuples(st.just("call"), st.one_of(st.sampled_from(["channels.authorize", "x.y"]), texts),
              st.just("--business"), codes, st.just("--input"), texts),
    st.tuples(st.just("audit"), st.just("--since"), texts),
    st.tuples(st.just("audit"), st.just("--limit"), texts),
    st.tuples(st.just("import"), st.just("@FILE")),
)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("badcli")
    url = f"sqlite:///{tmp / 'r.db'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["--database-url", url, "business", "create", "shop"]).exit_code == 0
    yield url, tmp
    print(f"\nCLI bad-input cases tried: {TRIED['cases']}, refused cleanly: {TRIED['refused']}")


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(command=commands, contents=st.one_of(st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
                                            st.sampled_from(["{}", "[]", "format: zhongtai-registry\n",
                                                             '{"format": "zhongtai-registry", "version": 1}',
                                                             '{"format": "zhongtai-registry", "version": 1, '
                                                             '"businesses": [{"code": "BAD"}]}'])))
def test_every_invocation_succeeds_or_is_refused_in_one_line(registry: Any, command: tuple[str, ...],
                                                             contents: str) -> None:
    url, tmp = registry
    args = list(command)
    if args[-1] == "@FILE":
        source = Path(tmp) / "doc.yaml"
        source.write_text(contents, encoding="utf-8")
        args[-1] = str(source)
    TRIED["cases"] += 1
    before = all_rows(url)
    result = CliRunner().invoke(cli, ["--database-url", url, "--as", "fuzzer", *args])
    assert result.exit_code in (0, 1, 2), result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r} for {args}") from result.exception
    assert "Traceback" not in result.output
    if result.exit_code:
        TRIED["refused"] += 1
        if result.exit_code == 1:
            errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
            assert len(errors) == 1, result.output
        assert all_rows(url) == before, args
