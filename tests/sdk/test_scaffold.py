"""`zhongtai new-plugin`: a complete package that installs, passes its own tests and loads; bad input writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from zhongtai.core.cli.main import cli
from zhongtai.sdk.scaffold.generate import ScaffoldError, plan, render, write

ZHONGTAI = str(Path(sys.executable).parent / "zhongtai")

#: One extension point of every policy: first, pipeline, collect, merge, deny-overrides.
POINTS = ["pricing.adjust", "channels.authorize", "verification.components", "theming.tokens", "notifiers.templates"]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ZHONGTAI_"))}


@pytest.mark.slow
def test_generate_install_and_run_its_tests_with_no_edits(tmp_path: Path, make_platform: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    args = [ZHONGTAI, "new-plugin", "vip-discount", "--business", "edu.k12"]
    for point in POINTS:
        args += ["--extension-point", point]
    created = subprocess.run(args, cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=120)
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("Created edu-k12-vip-discount/ with the plugin edu-k12.vip-discount")
    project = tmp_path / "edu-k12-vip-discount"

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps",
                    "--target", str(target), str(project)], check=True, capture_output=True, timeout=240)

    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project,
                           env={**clean_env(), "PYTHONPATH": str(target)}, capture_output=True, text=True,
                           timeout=240)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert f"{len(POINTS) + 2} passed" in tests.stdout

    # The installed copy (not the source tree) is what the platform discovers and loads.
    monkeypatch.syspath_prepend(str(target))
    platform = make_platform(f"sqlite:///{tmp_path / 'r.db'}", plugin_path=[str(target)])
    info = platform.plugins.load_quietly("edu-k12.vip-discount")
    assert (info.status, info.error) == ("ok", None)
    assert (info.distribution, info.lifecycle, info.owner, info.api) == (
        "zhongtai-plugin-edu-k12-vip-discount", "incubating", "edu-k12-team", ">=1.0,<2")
    assert set(info.extension_points) == set(POINTS)
    assert info.config == "edu_k12_vip_discount.config:VipDiscountConfig"
    import edu_k12_vip_discount

    assert str(target) in edu_k12_vip_discount.__file__
    platform.create_business("edu")
    platform.create_business("edu.k12")
    platform.enable("edu-k12.vip-discount", "edu.k12")
    from zhongtai.core.jsonio import call_arguments

    point = platform.extension_point("pricing.adjust")
    example = json.loads((project / "examples/pricing.adjust.json").read_text(encoding="utf-8"))
    arguments = call_arguments(point, example)
    assert platform.business("edu.k12").call("pricing.adjust", **arguments) == arguments["quote"]


def test_names_are_derived_once_from_name_and_business(tmp_path: Path) -> None:
    planned = plan("edu-k12.vip-discount", "edu.k12", ["pricing.adjust, channels.authorize", "pricing.adjust"],
                   cwd=tmp_path)
    assert (planned.plugin, planned.distribution, planned.package, planned.config_class) == (
        "edu-k12.vip-discount", "zhongtai-plugin-edu-k12-vip-discount", "edu_k12_vip_discount", "VipDiscountConfig")
    assert [p.name for p in planned.extension_points] == ["pricing.adjust", "channels.authorize"]
    assert (planned.directory, planned.owner, planned.title) == (
        tmp_path / "edu-k12-vip-discount", "edu-k12-team", "Vip discount for edu.k12")
    assert planned.api == ">=1.0,<2" and planned.sdk_requirement == ">=0.1,<0.2"
    titled = plan("x", "shop", ["theming.tokens"], owner="brand", title='Say "hi"', output=Path("out"), cwd=tmp_path)
    assert (titled.owner, titled.directory) == ("brand", tmp_path / "out")
    assert 'title = "Say \\"hi\\""' in render(titled)["src/shop_x/zhongtai_plugins.toml"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["vip", "-b", "edu.k12"], "name the extension points the plugin implements with --extension-point "
                                    "(repeatable); they are: identity.resolve, "),
        (["vip", "-b", "edu.k12", "-e", "pricing.nope"], "unknown extension point 'pricing.nope' (known: "),
        (["VIP_Discount", "-b", "edu.k12", "-e", "pricing.adjust"],
         "plugin name 'VIP_Discount' must be lowercase words joined by '-'"),
        (["vip", "-b", "Edu", "-e", "pricing.adjust"], "--business: business code 'Edu'"),
        (["vip", "-b", "edu", "-e", "pricing.adjust", "-o", "taken"], "taken already exists and is not empty"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine", encoding="utf-8")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(cli, ["new-plugin", *args])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    planned = plan("vip", "edu", ["pricing.adjust"], output=tmp_path / "pkg")
    files = render(planned)
    real_write_text = Path.write_text
    calls = []

    def failing_write_text(self: Path, *args: Any, **kwargs: Any) -> int:
        calls.append(self)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", failing_write_text)
    with pytest.raises(ScaffoldError, match=r"cannot write .*pkg: No space left on device"):
        write(files, planned.directory)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_existing_directory_is_used(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    planned = plan("vip", "edu", ["pricing.adjust"], output=tmp_path / "pkg")
    write(render(planned), planned.directory)
    assert (tmp_path / "pkg" / "src" / "edu_vip" / "plugin.py").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["pkg"]
