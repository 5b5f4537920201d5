"""Every plugin of the K12 package keeps its extension points' contracts (the SDK's conformance check).

``zhongtai_conformance`` (the SDK's pytest plugin, pointed at examples/edu-k12 by
this folder's conftest) loads each plugin from the package's source tree on a
throwaway registry and calls it with inputs generated from the contract types.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.mark.parametrize("plugin", ["edu-k12.sibling-discount", "edu-k12.kids-theme", "edu-k12.guardian",
                                    "edu-k12.renewal-reminder"])
def test_plugin_conforms(zhongtai_conformance: Callable[..., Any], plugin: str) -> None:
    [report] = zhongtai_conformance(plugin, max_examples=25)
    assert report.points


def test_the_sibling_discount_conforms_with_a_real_config(zhongtai_conformance: Callable[..., Any]) -> None:
    [report] = zhongtai_conformance("edu-k12.sibling-discount", config={"percent_off": "33.3", "max_seats": 3},
                                    max_examples=25)
    assert report.points


@pytest.mark.parametrize(("plugin", "examples"), [
    ("edu-k12.guardian", {"verification.flow": [{"flow": "guardian"}, {"flow": "payment"}]}),
    ("edu-k12.renewal-reminder", {"notifiers.templates": [{"name": "renewal_reminder"}]}),
])
def test_the_names_a_plugin_answers_for_conform(zhongtai_conformance: Callable[..., Any], plugin: str,
                                                examples: dict[str, list[dict[str, Any]]]) -> None:
    # generated names almost never hit "guardian" or "renewal_reminder": call them explicitly
    [report] = zhongtai_conformance(plugin, config={"flows": ["guardian", "payment"]} if "guardian" in plugin
                                    else None, examples=examples, max_examples=5)
    assert report.points
