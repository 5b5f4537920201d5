"""How fast does the ``zhongtai`` console script start?

Prints, measured side by side in one run, the median wall time of

* ``python -c "import click"`` (the floor: an interpreter plus click),
* ``zhongtai --help``                               (target: <= 1.5x the floor),
* ``zhongtai plugins list`` with 100 installed plugin distributions (target: <= 3x),

and the ratios, of wall time and of CPU time (user + system of the process,
which machine load disturbs much less; the verdict uses it).  The 100 distributions are generated once into a temporary
directory exactly as ``pip install --target`` leaves them (a package with a
``zhongtai_plugins.toml`` manifest, a ``.dist-info`` with ``METADATA``,
``entry_points.txt`` and ``RECORD``) and put on ``PYTHONPATH`` for both zhongtai
runs.  Nothing here asserts on time; read the ratios.

Run standalone: ``.venv/bin/python benchmarks/cli_startup.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DISTRIBUTIONS = 100
TARGETS = {"zhongtai --help": 1.5, "zhongtai plugins list": 3.0}


def write_distribution(site: Path, index: int) -> None:
    """One installed plugin distribution ``zt-bench-plugin-N`` with one plugin."""
    package = f"zt_bench_plugin_{index}"
    plugin = f"bench.plugin-{index}"
    (site / package).mkdir()
    (site / package / "__init__.py").write_text(
        "from zhongtai.sdk import hookimpl\n\n\n@hookimpl\ndef verification_flow(flow):\n    return None\n",
        encoding="utf-8",
    )
    (site / package / "zhongtai_plugins.toml").write_text(
        f'[plugins."{plugin}"]\ntitle = "Benchmark plugin {index}"\nowner = "bench"\n'
        f'lifecycle = "active"\napi = ">=1.0,<2"\nextension_points = ["verification.flow"]\n',
        encoding="utf-8",
    )
    info = site / f"zt_bench_plugin_{index}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.3\nName: zt-bench-plugin-{index}\nVersion: 0.1.0\n"
        f"Summary: benchmark plugin {index}\n",
        encoding="utf-8",
    )
    (info / "entry_points.txt").write_text(f"[zhongtai.plugins]\n{plugin} = {package}\n", encoding="utf-8")
    (info / "INSTALLER").write_text("pip\n", encoding="utf-8")
    (info / "RECORD").write_text(
        f"{package}/__init__.py,,\n{package}/zhongtai_plugins.toml,,\n"
        f"{info.name}/METADATA,,\n{info.name}/entry_points.txt,,\n{info.name}/RECORD,,\n",
        encoding="utf-8",
    )


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child: user + system) of one run."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {errors.decode(errors='replace').strip()}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per command (median is reported)")
    args = parser.parse_args()
    script = Path(sys.executable).with_name("zhongtai")
    with tempfile.TemporaryDirectory(prefix="zt-bench-") as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        for index in range(DISTRIBUTIONS):
            write_distribution(site, index)
        env = dict(os.environ)
        env.pop("ZHONGTAI_PLUGIN_PATH", None)
        env["PYTHONPATH"] = str(site)
        env["ZHONGTAI_DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
        commands = {
            "python -c 'import click'": [sys.executable, "-c", "import click"],
            "zhongtai --help": [str(script), "--help"],
            "zhongtai plugins list": [str(script), "plugins", "list"],
        }
        check = subprocess.run([str(script), "plugins", "list", "--json"], env=env, capture_output=True, text=True)
        listed = check.stdout.count('"bench.plugin-')
        if listed != DISTRIBUTIONS:
            raise SystemExit(f"expected {DISTRIBUTIONS} benchmark plugins listed, saw {listed}: {check.stderr}")
        # Interleave the commands so that machine load affects them alike.
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                seconds, cpu_seconds = run_once(argv, env)
                wall[name].append(seconds)
                cpu[name].append(cpu_seconds)
    floor_wall = statistics.median(wall["python -c 'import click'"])
    floor_cpu = statistics.median(cpu["python -c 'import click'"])
    print(f"cli startup: median of {args.runs} interleaved runs, {DISTRIBUTIONS} plugin distributions on PYTHONPATH")
    print("  (CPU = user + system time of the process: steadier than wall time on a shared machine)")
    print(f"  {'command':<28} {'wall':>9} {'ratio':>6}   {'CPU':>9} {'ratio':>6}")
    print(f"  {'python -c import click':<28} {floor_wall * 1000:6.1f} ms  1.00x   {floor_cpu * 1000:6.1f} ms  1.00x")
    for name, target in TARGETS.items():
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        verdict = "ok" if c / floor_cpu <= target else "OVER TARGET"
        print(f"  {name:<28} {w * 1000:6.1f} ms  {w / floor_wall:4.2f}x   {c * 1000:6.1f} ms  {c / floor_cpu:4.2f}x"
              f"   (target <= {target}x: {verdict})")

if __name__ == "__main__":
    main()
