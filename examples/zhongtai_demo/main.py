"""The demo run: preflight, a fresh registry, the set-up through the CLI, then each section.

Exit status: 0 when every section ran; 1 when some section failed (each
failure is one line, and the rest still runs); 2 when the demo cannot start
(packages or plugins missing, the set-up refused).  ``--traceback`` shows the
Python traceback of unexpected errors.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zhongtai_demo import console, preflight
from zhongtai_demo.errors import DemoError

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "demo-output"


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="examples/demo.py", description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT,
                        help=f"where the registry and files go; emptied first (default: {DEFAULT_OUTPUT})")
    parser.add_argument("--traceback", action="store_true", help="show tracebacks of unexpected errors")
    return parser.parse_args(list(argv))


def explain(exc: BaseException, show_traceback: bool) -> str:
    """One line for a failure: our own and zhongtai's errors as they are, anything else with its type."""
    from zhongtai.core.errors import ZhongtaiError

    if isinstance(exc, DemoError | ZhongtaiError):
        return str(exc.message)
    if isinstance(exc, ImportError):
        return f"a capability this section needs is not installed yet: {exc}"
    if show_traceback:
        traceback.print_exception(exc)
    return f"unexpected {type(exc).__name__}: {exc} (run with --traceback for details)"


def fresh_registry(output_dir: Path) -> str:
    """Empty *output_dir*, point the CLI at a new registry in it, and return its URL."""
    shutil.rmtree(output_dir, ignore_errors=True)
    output_dir.mkdir(parents=True)
    url = f"sqlite:///{(output_dir / 'registry.db').resolve()}"
    os.environ["ZHONGTAI_DATABASE_URL"] = url
    os.environ["ZHONGTAI_ACTOR"] = "zhongtai-demo"
    return url


def set_up(output_dir: Path) -> Any:
    """Build the registry from ``setup.json`` through the CLI; return a Platform on it."""
    from zhongtai.core.runtime import Platform
    from zhongtai_demo import setup_registry

    url = fresh_registry(output_dir)
    setup = setup_registry.load_setup()
    platform = Platform(url, refresh_interval=0.0)
    try:
        preflight.check_plugins(platform, setup.plugins)
        console.heading(1, f"Set-up: a fresh registry, {len(setup.businesses)} businesses, "
                           f"{len(setup.enablements)} plugin enablements")
        console.say(f"export ZHONGTAI_DATABASE_URL={url}")
        setup_registry.apply(setup_registry.commands(setup, output_dir / "config"))
        platform.refresh()
    except BaseException:
        platform.registry.close()
        raise
    console.say(f"-> registry revision {platform.snapshot.revision}")
    return platform


def run_sections(demo: Any, show_traceback: bool) -> list[str]:
    """Run every section (numbered after the set-up), then "where to look next"; return one line per failure."""
    from zhongtai_demo.sections import ORDER, next_steps

    failures = []
    for number, name in enumerate(ORDER, start=2):
        module = importlib.import_module(f"zhongtai_demo.sections.{name}")
        console.heading(number, module.TITLE)
        try:
            module.run(demo)
        except Exception as exc:  # noqa: BLE001 - one section's failure is reported and the demo goes on
            line = explain(exc, show_traceback)
            console.say(f"FAILED: {line}")
            failures.append(f"{number}. {module.TITLE}: {line}")
    console.heading(len(ORDER) + 2, next_steps.TITLE)
    next_steps.run(demo)
    return failures


def main(argv: Sequence[str]) -> int:
    args = parse(argv)
    started = time.monotonic()
    console.say("zhongtai demo: three business teams on one middle platform")
    try:
        preflight.check_installed()
    except DemoError as exc:
        console.say(f"Cannot run the demo: {exc.message}")
        return 2
    from zhongtai_demo.sections import Demo

    try:
        platform = set_up(args.output_dir)
    except Exception as exc:  # noqa: BLE001 - explained in one line
        console.say(f"Cannot run the demo: the set-up failed: {explain(exc, args.traceback)}")
        return 2
    demo = Demo(platform, args.output_dir, os.environ["ZHONGTAI_DATABASE_URL"])
    try:
        failures = run_sections(demo, args.traceback)
    finally:
        platform.registry.close()
    console.say()
    elapsed = time.monotonic() - started
    if failures:
        console.say(f"The demo finished in {elapsed:.1f} s with {len(failures)} failed section(s):")
        for line in failures:
            console.say(f"  {line}")
        return 1
    console.say(f"The demo finished in {elapsed:.1f} s; every section ran.")
    return 0
