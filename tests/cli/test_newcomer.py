"""The newcomer's path (issue 19): read-only commands create nothing and say which registry (item 4);
contracts read as plain text (item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

READ_ONLY = [
    ["capabilities"], ["capabilities", "--format", "markdown"], ["plugins", "list"], ["plugins", "list", "-b", "edu"],
    ["business", "list"], ["business", "tree"], ["audit"], ["doctor"], ["access", "list"], ["export"], ["stats"],
    ["db", "current"],
]


@pytest.fixture
def fresh_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with no registry, and no registry URL in the environment: the default ./zhongtai.db."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZHONGTAI_DATABASE_URL", raising=False)
    monkeypatch.setenv("ZHONGTAI_ACTOR", "newcomer")
    return tmp_path


def run(*args: str) -> Result:
    from zhongtai.core.cli.main import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_item_4_read_only_commands_create_no_database_file(fresh_dir: Path) -> None:
    for args in READ_ONLY:
        result = run(*args)
        assert "Traceback" not in result.output, (args, result.output)
        assert list(fresh_dir.iterdir()) == [], f"zhongtai {' '.join(args)} created {list(fresh_dir.iterdir())}"
    assert run("business", "create", "edu").exit_code == 0  # the first change creates the registry
    assert (fresh_dir / "zhongtai.db").exists()
    assert "edu" in run("business", "list").output


def test_item_4_doctor_and_empty_hints_say_which_registry(fresh_dir: Path) -> None:
    label = "sqlite:///zhongtai.db (no such file yet: an empty registry)"
    assert run("doctor").output.strip() == f"No problems found in {label}."
    assert f"No businesses yet in {label}" in run("business", "list").output
    assert f"No businesses yet in {label}" in run("business", "tree").output
    assert f"No changes recorded in {label}" in run("audit").output
    run("business", "create", "edu")
    assert run("doctor").output.strip() == "No problems found in sqlite:///zhongtai.db."


def test_item_4_every_command_can_say_which_registry_it_reads_password_masked(fresh_dir: Path) -> None:
    result = run("--show-registry", "business", "list")
    assert result.stderr.startswith("registry: sqlite:///zhongtai.db")
    from zhongtai.core.cli.state import CliState

    state = CliState("postgresql://zt:s3cret@db.internal/zhongtai", None)  # nothing connects to build the label
    try:
        assert state.registry_label() == "postgresql://zt:***@db.internal/zhongtai"
    finally:
        state.close()


def test_item_4_a_platform_reading_an_absent_file_sees_an_empty_registry_then_the_written_one(tmp_path: Path) -> None:
    from zhongtai.core.runtime import Platform

    path = tmp_path / "later.db"
    reader = Platform(f"sqlite:///{path}", discover=False, refresh_interval=0)
    writer = Platform(f"sqlite:///{path}", discover=False, refresh_interval=0)
    try:
        assert reader.snapshot.businesses == {} and reader.registry.schema_status().state == "empty"
        assert not path.exists()
        writer.create_business("edu")
        reader.refresh()
        assert set(reader.snapshot.businesses) == {"edu"} and not reader.registry.absent()
    finally:
        reader.close()
        writer.close()


def test_item_5_capabilities_shows_contracts_as_plain_text(fresh_dir: Path) -> None:
    table = run("capabilities").output
    assert ":class:" not in table and "``" not in table
    assert "Return a Decision for the request, or None if no rule applies." in table
    markdown = run("capabilities", "--format", "markdown").output
    assert ":class:" not in markdown and "`Decision`" in markdown


def test_item_5_plain_text_of_rest_roles() -> None:
    from zhongtai.core.wording import markdown_text, plain_text

    text = "A :class:`~zhongtai.core.decision.Decision`, :func:`zhongtai.x.f`, :ref:`the guide <g>` or ``None``."
    assert plain_text(text) == "A Decision, zhongtai.x.f, the guide or None."
    assert markdown_text(text) == "A `Decision`, `zhongtai.x.f`, the guide or `None`."
