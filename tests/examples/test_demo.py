"""The README's demo (examples/demo.py): it runs, and every business answers differently.

The first test runs the demo as ``make demo`` does, in a subprocess on a fresh
registry, and checks the lines that carry its point: for the same cart,
question, flow and event, each business gets a different price, colour,
decision, flow and message.  The others check that a missing package or a
failing section is one clear line, not a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.examples.conftest import EXAMPLES

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_module(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``zhongtai_demo`` imported in this process (from examples/); the environment it sets is restored."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    for name in ("ZHONGTAI_DATABASE_URL", "ZHONGTAI_ACTOR"):
        monkeypatch.delenv(name, raising=False)
    import zhongtai_demo.main

    yield zhongtai_demo.main


def test_the_demo_succeeds_without_tracebacks(demo_run: tuple[int, str, Path]) -> None:
    code, out, _ = demo_run
    assert code == 0, out
    assert "Traceback" not in out
    assert "every section ran" in out


def test_the_same_cart_gets_three_prices_with_their_explanations(demo_run: tuple[int, str, Path]) -> None:
    out = demo_run[1]
    assert ("Same cart, three prices: edu.k12 3997.10 CNY | mall.flagship 4027.20 CNY | "
            "telecom.echannel 3897.00 CNY") in out
    assert "sibling discount  edu-k12.sibling-discount" in out
    assert "member discount  pricing.member-tier" in out
    assert "pickup-point  4057.00 CNY" in out


def test_each_business_gets_its_own_colour(demo_run: tuple[int, str, Path]) -> None:
    _, out, output = demo_run
    assert "button.primary.background  #c2410c  #b3000c        #0b6e4f" in out
    for business in ("edu.k12", "mall.flagship", "telecom.echannel"):
        assert (output / f"preview-{business}.html").is_file()


def test_the_same_question_gets_different_decisions(demo_run: tuple[int, str, Path]) -> None:
    out = demo_run[1]
    block = out[out.index("an agent refunds an order"):]
    assert "edu.k12           deny   no rule allows it (default deny)" in block
    assert "mall.flagship     deny   rule flagship-agents-never-refund at mall.flagship" in block
    assert "telecom.echannel  allow  rule echannel-agents-order at telecom.echannel" in block
    assert "rule pickup-staff-other-store at telecom.echannel: pickup-point staff act only for their own store" in out


def test_the_same_flow_has_different_steps_and_every_session_passes(demo_run: tuple[int, str, Path]) -> None:
    out = demo_run[1]
    assert "edu.k12: payment = sms-code -> id-number -> guardian-consent" in out
    assert "mall.flagship: payment = sms-code -> bank-card-four-factor" in out
    assert "telecom.echannel: payment = sms-code -> id-number -> name-id-match" in out
    assert out.count(": passed\n") == 3


def test_the_same_event_gets_different_messages(demo_run: tuple[int, str, Path]) -> None:
    out = demo_run[1]
    assert "edu.k12: a notification message, pending, due now" in out
    assert "mall.flagship: a marketing message, pending, held until" in out
    assert "(deferred: quiet hours)" in out
    assert "小明 同学家长您好" in out
    assert "【品牌旗舰店】小明" in out
    assert "【电信】尊敬的小明" in out


def test_requests_resolve_to_the_echannel_subbusinesses(demo_run: tuple[int, str, Path]) -> None:
    out = demo_run[1]
    assert "store=S-001 terminal=POS-3   ->  telecom.echannel.pickup" in out


def test_a_rollout_a_kill_switch_and_an_experiment_report(demo_run: tuple[int, str, Path]) -> None:
    _, out, output = demo_run
    section = out[out.index("Staged rollout and an A/B experiment"):out.index("Where to look next")]
    served = int(section.split(" of 1000 shoppers get the brand theme")[0].rsplit("-> ", 1)[1])
    assert 250 < served < 350  # 30%, sticky per shopper
    assert "kill switch: 0 of 1000 shoppers get it now" in section
    assert "not served (outside-rollout)" in section or "served (in-rollout)" in section
    green = next(line.split() for line in section.splitlines() if line.strip().startswith("green "))
    assert float(green[-1]) < 0.05 and green[5].startswith("+")  # the planted uplift is found
    assert "sample ratio check" in section and "(ok)" in section
    assert (output / "checkout-colour.svg").read_text().startswith("<svg")
    assert "would make green the winner of checkout-colour" in section


def test_it_ends_with_where_to_look_next(demo_run: tuple[int, str, Path]) -> None:
    out = demo_run[1]
    tail = out[out.index("Where to look next"):]
    assert "export ZHONGTAI_DATABASE_URL=sqlite:///" in tail
    assert "zhongtai business tree" in tail


def test_a_missing_package_is_one_clear_line(demo_module: Any, monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from zhongtai_demo import preflight

    monkeypatch.setitem(preflight.REQUIRED, "zhongtai-not-landed-yet", "plugins/not-landed-yet")
    assert demo_module.main(["--output-dir", str(tmp_path / "out")]) == 2
    out = capsys.readouterr().out
    assert "Cannot run the demo: not installed: zhongtai-not-landed-yet." in out
    assert "-e plugins/not-landed-yet" in out
    assert not (tmp_path / "out").exists()


def test_a_failing_section_is_reported_and_the_others_still_run(
        demo_module: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from zhongtai_demo import sections
    from zhongtai_demo.sections import pricing

    def missing_feature(demo: Any) -> None:
        raise ModuleNotFoundError("No module named 'zhongtai.plugins.pricing.quoting'")

    monkeypatch.setattr(sections, "ORDER", ("pricing", "identity"))
    monkeypatch.setattr(pricing, "run", missing_feature)
    assert demo_module.main(["--output-dir", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert ("FAILED: a capability this section needs is not installed yet: "
            "No module named 'zhongtai.plugins.pricing.quoting'") in out
    assert "->  telecom.echannel.pickup" in out  # the identity section still ran
    assert "with 1 failed section(s)" in out
    assert "Traceback" not in out


def test_the_gateway_answers_the_same_http_request_per_business(demo_run: tuple[int, str, Path]) -> None:
    out = demo_run[1]
    assert "The gateway: the same HTTP request, a different answer per business" in out
    assert "X-Zhongtai-Business: edu.k12        ->  total 3997.10 CNY" in out
    assert "X-Zhongtai-Business: mall.flagship  ->  total 4027.20 CNY" in out
    assert "The edu token asking for mall.flagship: 403" in out


def test_item_3_the_try_list_says_how_to_get_zhongtai_on_path(demo_run: tuple[int, str, Path]) -> None:
    tail = demo_run[1][demo_run[1].index("Where to look next"):]
    activate = Path(sys.executable).parent / "activate"
    assert activate.exists()  # the tests run in a virtual environment, as make demo does
    assert f"  . {activate.resolve()}" in tail or f"  . {activate}" in tail or ". .venv/bin/activate" in tail
    assert tail.index("activate") < tail.index("zhongtai business tree")


def test_item_3_path_lines_only_for_a_virtual_environment(demo_module: Any, tmp_path: Path) -> None:
    from zhongtai_demo.sections.next_steps import path_lines

    assert path_lines(tmp_path) == []
    (tmp_path / "activate").write_text("")
    lines = path_lines(tmp_path)
    assert lines[0] == f"  . {tmp_path / 'activate'}" and f"{tmp_path / 'zhongtai'}" in lines[1]


def test_item_3_readme_says_how_to_get_zhongtai_on_path() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text()
    assert "`. .venv/bin/activate`" in readme and "`.venv/bin/zhongtai`" in readme
