"""Finding 11 of issue 12: ``new-plugin --title/--owner`` values never become code in the generated package."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from zhongtai.core.cli.main import cli
from zhongtai.sdk.scaffold.generate import plan, render

ZHONGTAI = str(Path(sys.executable).parent / "zhongtai")

#: One-line values that would execute code if written unescaped into a docstring or string literal.
HOSTILE = [
    'T"""; import pathlib; pathlib.Path("PWNED").touch(); """',
    "T'''; import pathlib; pathlib.Path('PWNED').touch(); '''",
    'ends with a quote"',
    "back\\slash\\",
    '\\"""; __import__("pathlib").Path("PWNED").touch() #',
    "{{ 7 * 7 }} {% raw %}",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_finding_11_hostile_title_and_owner_stay_text(tmp_path: Path, hostile: str) -> None:
    files = render(plan("vip", "edu", ["pricing.adjust"], title=hostile, owner=hostile, cwd=tmp_path))
    for path, text in files.items():
        if path.endswith(".py"):
            tree = ast.parse(text, path)  # still valid Python
            doc = ast.get_docstring(tree, clean=False) or ""
            if path.startswith("src/") and path.rsplit("/", 1)[-1] in ("__init__.py", "plugin.py"):
                assert doc.startswith(hostile), (path, doc)
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and "PWNED" in ast.unparse(n)]
            assert not calls, (path, text)


@pytest.mark.parametrize("option", ["--title", "--owner"])
@pytest.mark.parametrize("value", ['T"""\nimport os\nos.system("touch PWNED")\n"""', "a\rb", "x\x1b[2J", "x" * 201])
def test_finding_11_multi_line_or_control_values_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              option: str, value: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["new-plugin", "vip", "-b", "edu", "-e", "pricing.adjust", option, value])
    assert result.exit_code == 1, result.output
    assert len(result.output.strip().splitlines()) == 1 and option in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_finding_11_generated_tests_run_without_executing_hostile_values(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ZHONGTAI_"))}
    title, owner = HOSTILE[0], HOSTILE[4]
    created = subprocess.run([ZHONGTAI, "new-plugin", "vip", "-b", "edu", "-e", "pricing.adjust",
                              "--title", title, "--owner", owner], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=120)
    assert created.returncode == 0, created.stderr
    project = tmp_path / "edu-vip"
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps",
                    "--target", str(target), str(project)], check=True, capture_output=True, timeout=240)
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project,
                           env={**env, "PYTHONPATH": str(target)}, capture_output=True, text=True, timeout=240)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert not list(tmp_path.rglob("PWNED"))
    shown = subprocess.run([sys.executable, "-c", "import edu_vip, edu_vip.plugin; print(edu_vip.__doc__)"],
                           cwd=tmp_path, env={**env, "PYTHONPATH": str(target)}, capture_output=True, text=True,
                           timeout=60)
    assert shown.stdout.startswith(title) and owner in shown.stdout
    assert not list(tmp_path.rglob("PWNED"))
