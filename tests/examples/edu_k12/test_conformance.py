"""Every plugin of the K12 package keeps its extension points' contracts (the SDK's conformance check).

:func:`zhongtai.sdk.conformance.assert_conforms` loads each plugin from the
package's own project directory on a throwaway registry and calls it with
inputs generated from the contract types.
"""

from __future__ import annotations

import pytest

from tests.examples.conftest import EXAMPLES

PROJECT = EXAMPLES / "edu-k12"


@pytest.mark.parametrize("plugin", ["edu-k12.sibling-discount", "edu-k12.kids-theme", "edu-k12.guardian",
                                    "edu-k12.renewal-reminder"])
def test_plugin_conforms(plugin: str) -> None:
    from zhongtai.sdk.conformance import assert_conforms

    report = assert_conforms(plugin, PROJECT, business="edu.k12", max_examples=25)
    assert report.points
