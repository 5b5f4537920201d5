"""schemathesis against the served ``/openapi.json``: stateless, every operation, no 5xx, answers conform.

The default run fuzzes every operation with 5 generated cases (about 300 cases,
~20 s); ``ZHONGTAI_GATEWAY_FUZZ=full`` adds schemathesis' coverage phase
(boundary and negative values) and 25 cases per operation (about 5,000 cases).
The case count is printed (``-s`` shows it) and must cover every operation.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gateway.conftest import seed

pytestmark = pytest.mark.slow

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "response_headers_conformance")


def test_every_operation_conforms_and_never_answers_5xx(serve, sqlite_url, tmp_path):
    seeded = seed(sqlite_url)
    server = serve(sqlite_url, rate_limit=0)
    full = os.environ.get("ZHONGTAI_GATEWAY_FUZZ") == "full"
    phases, examples = ("examples,coverage,fuzzing", "25") if full else ("examples,fuzzing", "5")
    done = subprocess.run(
        [str(Path(sys.executable).with_name("schemathesis")), "run", f"{server.base}/openapi.json",
         "--header", f"Authorization: Bearer {seeded.admin}", "--checks", CHECKS, "--phases", phases,
         "--max-examples", examples, "--seed", "20261201", "--no-color", "--request-timeout", "30",
         "--generation-database", "none"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", output)
    tested = re.search(r"Tested: (\d+)", output)
    cases = re.search(r"(\d+) generated, (\d+) passed", output)
    assert selected and tested and cases, output[-3000:]
    assert selected.group(1) == selected.group(2) == tested.group(1), output[-3000:]
    assert cases.group(1) == cases.group(2) and int(cases.group(1)) >= int(tested.group(1)), output[-3000:]
    print(f"schemathesis: {cases.group(1)} cases over {tested.group(1)} operations, all passed")
    assert "unexpected error" not in server.output()
