"""Points the SDK's pytest fixtures (``zhongtai_project``, ``zhongtai_conformance`` ...) at this team's package."""

from __future__ import annotations

from typing import Any

import pytest

from tests.examples.conftest import team_project


@pytest.fixture(scope="session")
def zhongtai_project() -> Any:
    return team_project("edu-k12")


@pytest.fixture
def zhongtai_business_code() -> str:
    return "edu.k12"
