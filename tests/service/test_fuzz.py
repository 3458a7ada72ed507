"""Property-based fuzzing of the OpenAPI document with Schemathesis against a real
server: no 5xx, and every response matches its documented status, content type,
headers and schema.

This is a bounded run for ``make test`` (``PICKOPT_FUZZ_EXAMPLES`` examples per
operation, 10 by default); ``make fuzz`` runs 100 per operation (over 2,500
requests). Positive-data acceptance is left out: a JSON Schema cannot say that
a bin code must exist in the layout, so valid-looking requests may rightly get 422.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.service.support import AUTH, SINGLE_TOML, running_server, slotting_csv

EXAMPLES = int(os.environ.get("PICKOPT_FUZZ_EXAMPLES", "10"))


def fuzz_command(url: str, examples: int, seed: int = 1) -> list[str]:
    """The Schemathesis command line (the README shows the same)."""
    return [
        str(Path(sys.executable).with_name("schemathesis")), "run", f"{url}/openapi.json",
        "-H", f"Authorization: {AUTH['Authorization']}", "--max-examples", str(examples),
        "--checks", "all", "--exclude-checks", "positive_data_acceptance",
        "--seed", str(seed), "--workers", "1", "--request-timeout", "60",
    ]  # fmt: skip


def test_fuzzing_the_openapi_document_finds_no_5xx_and_no_schema_break(tmp_path: Path) -> None:
    """Schemathesis (examples, coverage, fuzzing and stateful phases) reports no issue."""
    with running_server(tmp_path / "data", workers=2) as server, server.client() as c:
        c.put("/v1/layouts/single_block", content=SINGLE_TOML,
              headers={"Content-Type": "application/toml"})  # fmt: skip
        c.put("/v1/layouts/single_block/slotting", content=slotting_csv(0),
              headers={"Content-Type": "text/csv"})  # fmt: skip
        env = {
            **os.environ,
            "SCHEMATHESIS_HOOKS": str(ROOT / "tests" / "service" / "schemathesis_hooks.py"),
        }
        run = subprocess.run(fuzz_command(server.url, EXAMPLES), cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=600)  # fmt: skip
        metrics = c.get("/metrics").text
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    generated = re.search(r"(\d+) generated", run.stdout)
    assert generated is not None and int(generated.group(1)) >= 20 * EXAMPLES
    assert not re.search(r'pickopt_request_duration_seconds_count\{[^}]*status="5\d\d"', metrics)
