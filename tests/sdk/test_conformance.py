"""assert_conforms: passes conforming plugins, and names plugin, extension point, reason and input otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from zhongtai.sdk.conformance import ConformanceError, assert_conforms
from zhongtai.sdk.metadata import read_project

from .projects import write_project


@pytest.fixture(autouse=True)
def _isolated_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test's project is a fresh ``acme_sample`` package: forget the previous one."""
    yield
    for name in [m for m in sys.modules if m == "acme_sample" or m.startswith("acme_sample.")]:
        del sys.modules[name]


def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, points: list[str], **kwargs: object) -> Path:
    root = write_project(tmp_path / "proj", source, points, **kwargs)  # type: ignore[arg-type]
    monkeypatch.syspath_prepend(str(root / "src"))
    return root


GOOD = """
@implements(specs.pricing_adjust)
def adjust(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None:
    return quote

@implements(specs.channels_authorize)
def authorize(request: AccessRequest, context: PluginContext) -> Decision | None:
    return Decision(Effect.ALLOW, rule="everyone") if request.action else None

@implements(specs.theming_tokens)
def tokens(context: PluginContext) -> dict[str, Any] | None:
    return {"color": {"brand": {"$value": "#c00", "$type": "color"}}}
"""


def test_a_conforming_plugin_passes_with_generated_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, monkeypatch, GOOD, ["pricing.adjust", "channels.authorize", "theming.tokens"])
    report = assert_conforms("acme.sample", root, business="acme.shop", max_examples=15)
    calls = {p.extension_point: p.calls for p in report.points}
    assert calls["pricing.adjust"] >= 15 and calls["channels.authorize"] >= 15
    assert calls["theming.tokens"] == 1  # no inputs to generate: one call
    assert report.business == "acme.shop"


@pytest.mark.parametrize(
    ("source", "points", "message"),
    [
        pytest.param(
            """
            @hookimpl
            def pricing_adjust(quote, request, context):
                return "cheaper"
            """,
            ["pricing.adjust"],
            r"does not conform to pricing\.adjust: returned str, but pricing\.adjust expects Quote\n"
            r"    input: quote=Quote\(",
            id="wrong result type",
        ),
        pytest.param(
            """
            @hookimpl
            def notifiers_deliver(message):
                return {"status": "sent"}
            """,
            ["notifiers.deliver"],
            r"returned dict, but notifiers\.deliver expects Delivery \(the 'skip' error policy would hide this",
            id="skip policy does not hide a broken result",
        ),
        pytest.param(
            """
            @hookimpl
            def pricing_base_price(sku, request):
                if len(request.lines) > 1:
                    raise KeyError(sku)
                return None
            """,
            ["pricing.base_price"],
            r"does not conform to pricing\.base_price: KeyError: 'a'\n    input: sku='a', request=QuoteRequest\("
            r".*lines=\(CartLine\(sku='a', quantity=1\), CartLine\(sku='b', quantity=1\)\)",
            id="raises on some inputs; hypothesis shrinks to a simple one",
        ),
        pytest.param(
            """
            @hookimpl
            def pricing_base_price(sku, context):
                return Money(Decimal("-1"), "CNY")
            """,
            ["pricing.base_price"],
            r"returned a value pricing\.base_price forbids: a base price cannot be negative",
            id="result the extension point's validate forbids",
        ),
        pytest.param(
            """
            @hookimpl
            def pricing_adjust(quote, req):
                return None
            """,
            ["pricing.adjust"],
            r"cannot be loaded \(failed\): hookimpl does not match its extension point: .*req",
            id="argument name the extension point does not have",
        ),
        pytest.param(
            """
            @hookimpl
            def pricing_adjust(quote):
                return None
            """,
            ["pricing.adjust", "theming.tokens"],
            r"declared but not implemented: theming\.tokens",
            id="manifest and hookimpls disagree",
        ),
        pytest.param(
            """
            @hookimpl
            def pricing_adjust(quote: str) -> None:
                return None
            """,
            ["pricing.adjust"],
            r"argument 'quote' of its pricing\.adjust hookimpl is annotated str, but pricing\.adjust passes Quote",
            id="annotation that cannot accept the argument",
        ),
    ],
)
def test_a_violation_is_one_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, points: list[str], message: str,
) -> None:
    root = project(tmp_path, monkeypatch, source, points)
    with pytest.raises(ConformanceError, match=message) as caught:
        assert_conforms("acme.sample", root, business="acme.shop", max_examples=25)
    assert str(caught.value).startswith("plugin 'acme.sample'")


CONFIGURED = """
@attrs.frozen
class Config:
    endpoint: str = setting(help="required")
    rate: Decimal = setting(Decimal("1"), validator=attrs.validators.le(Decimal(1)))

@hookimpl
def verification_flow(flow, context):
    assert isinstance(context.config, Config)
    return None
"""


def test_config_is_the_class_defaults_or_the_given_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, monkeypatch, CONFIGURED, ["verification.flow"], config="Config")
    with pytest.raises(ConformanceError, match=r"cannot be enabled for conformance: .*'endpoint' is required"):
        assert_conforms("acme.sample", root)
    report = assert_conforms("acme.sample", root, config={"endpoint": "https://x"}, max_examples=5)
    assert report.points[0].calls >= 5


def test_incompatible_api_range_and_unknown_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, monkeypatch, GOOD, ["pricing.adjust", "channels.authorize", "theming.tokens"],
                   api=">=2,<3")
    with pytest.raises(ConformanceError, match=r"cannot be loaded \(incompatible\): supports extension API >=2,<3"):
        assert_conforms("acme.sample", read_project(root))
    with pytest.raises(ConformanceError, match=r"declares no plugin 'acme.other' \(it declares: acme.sample\)"):
        assert_conforms("acme.other", root)


def test_explicit_examples_are_checked_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = """
    @hookimpl
    def verification_flow(flow):
        if flow == "payment":
            return "payment flow"
        return None
    """
    root = project(tmp_path, monkeypatch, source, ["verification.flow"])
    with pytest.raises(ConformanceError, match=r"returned str.*\n    input: flow='payment'"):
        assert_conforms("acme.sample", root, examples={"verification.flow": [{"flow": "payment"}]}, max_examples=5)
    with pytest.raises(ConformanceError, match=r"examples given for 'pricing\.adjust'"):
        assert_conforms("acme.sample", root, examples={"pricing.adjust": [{}]})
