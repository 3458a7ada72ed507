"""Both front ends read a layout spec with the same parser: the same mistake
gets the same message from ``pickopt layout info`` and from an HTTP upload,
and the API's documented layout schema is the library's."""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # newer Starlette prefers httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from optimizer.cli import main
from optimizer.layout import Layout, json_schema
from optimizer.service import Settings, create_app, tasks
from optimizer.service.workers import WorkerPool
from tests.conftest import pa_spec
from tests.service.support import AUTH, KEY


def _graph(**changes: Any) -> dict[str, Any]:
    """Depot d and pick node p, 2 m apart, with one slot."""
    spec: dict[str, Any] = {
        "kind": "graph",
        "nodes": [{"id": "d", "x": 0.0, "y": 0.0}, {"id": "p", "x": 2.0, "y": 0.0}],
        "edges": [{"from": "d", "to": "p"}],
        "slots": [{"code": "S1", "node": "p"}],
        "depots": [{"node": "d"}],
    }
    spec.update(changes)
    return spec


def _without(key: str) -> dict[str, Any]:
    spec = pa_spec()
    del spec[key]
    return spec


def _renamed(old: str, new: str) -> dict[str, Any]:
    spec = pa_spec()
    spec[new] = spec.pop(old)
    return spec


# (what is wrong, the spec, the message after the source, the problem's field)
MISTAKES = [
    ("typo'd key", _renamed("aisles", "aisels"),
     "unknown key 'aisels' (did you mean 'aisles'?)", "spec.aisels"),
    ("negative length", pa_spec(cell_length=-1.5),
     "'cell_length' must be > 0, got -1.5", "spec.cell_length"),
    ("missing key", _without("cell_length"), "missing key 'cell_length'", "spec.cell_length"),
    ("count as text", pa_spec(aisles="3"), "'aisles' must be an integer, got '3'", "spec.aisles"),
    ("huge length", pa_spec(aisle_spacing=5e6),
     "'aisle_spacing' must be <= 1e+06, got 5000000.0", "spec.aisle_spacing"),
    ("depot in a missing aisle", pa_spec(depots=[{"aisle": 12}]),
     "depots[0]: 'aisle' is 12 but the layout has 3 aisles", "spec.depots[0].aisle"),
    ("typo'd depot key", pa_spec(depots=[{"aisle": 1, "setbak": 1.0}]),
     "depots[0]: unknown key 'setbak' (did you mean 'setback'?)", "spec.depots[0].setbak"),
    ("zone of a missing aisle", pa_spec(zones={"fast": [9]}),
     "zones.fast: aisle 9 is not in 1..3", "spec.zones.fast"),
    ("unknown kind", pa_spec(kind="paralel-aisles"),
     "unknown kind 'paralel-aisles' (did you mean 'parallel-aisles'?)", "spec.kind"),
    ("unknown node kind", _graph(nodes=[{"id": "d", "x": 0, "y": 0},
                                        {"id": "p", "x": 2, "y": 0, "kind": "pik"}]),
     "nodes[1]: unknown node kind 'pik' (did you mean 'pick'?)", "spec.nodes[1].kind"),
    ("edge to a missing node", _graph(edges=[{"from": "d", "to": "pp"}]),
     "edges[0]: unknown node 'pp' (did you mean 'p'?)", "spec.edges[0].to"),
    ("empty slot list", _graph(slots=[]), "'slots' must not be empty", "spec.slots"),
    ("cut-off slot", _graph(nodes=[{"id": "d", "x": 0, "y": 0}, {"id": "p", "x": 2, "y": 0},
                                   {"id": "q", "x": 5, "y": 5}],
                            slots=[{"code": "S1", "node": "p"}, {"code": "S2", "node": "q"}]),
     "slot 'S2' ('q') is not connected to depot 'D1'", "spec.slots"),
]  # fmt: skip
IDS = [m[0] for m in MISTAKES]


def _cold_pool(settings: Settings, on_restart: Callable[[str], None]) -> WorkerPool:
    """One worker without the JIT warm-up: checking specs compiles no kernel."""
    init = functools.partial(tasks.init_worker, str(settings.data_dir), False)
    return WorkerPool(1, init, on_restart=on_restart)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with one cold worker."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("service"), workers=1, api_keys=KEY)
    with TestClient(create_app(settings, pool_factory=_cold_pool), headers=AUTH) as c:
        yield c


def _cli_error(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["layout", "info", str(path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    return line


@pytest.mark.parametrize(("spec", "message", "field"), [m[1:] for m in MISTAKES], ids=IDS)
def test_cli_library_and_http_say_the_same(
    client: TestClient,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    spec: dict[str, Any],
    message: str,
    field: str,
) -> None:
    """One mistake, three front ends, one message: after the name of its source,
    the CLI's line, the library's exception and the API's 422 detail read the
    same, and the API names the spec field at fault."""
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    assert _cli_error(path, capsys) == f"pickopt: error: {path}: {message}"
    with pytest.raises(Exception) as caught:
        Layout.from_spec(spec, source="memory")
    assert str(caught.value) == f"memory: {message}"
    r = client.put("/v1/layouts/bad", json=spec)
    body = r.json()
    assert r.status_code == 422, body
    assert body["detail"] == f"layout 'bad': {message}"
    assert body["field"] == field and body["type"] == "urn:pickopt:problem:invalid-layout"


def test_toml_upload_and_toml_file_say_the_same(
    client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same typo in TOML text, as a file and as an upload."""
    text = 'kind = "parallel-aisles"\naisels = 3\n'
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    message = "unknown key 'aisels' (did you mean 'aisles'?)"
    assert _cli_error(path, capsys) == f"pickopt: error: {path}: {message}"
    r = client.put("/v1/layouts/bad", content=text, headers={"Content-Type": "application/toml"})
    assert r.status_code == 422 and r.json()["detail"] == f"layout 'bad': {message}"


def test_openapi_layout_schema_is_the_librarys(client: TestClient) -> None:
    """The OpenAPI document's LayoutSpec is the JSON Schema the library writes from
    its typed spec, so the two cannot drift apart."""
    documented = client.get("/openapi.json").json()["components"]["schemas"]["LayoutSpec"]
    assert documented["oneOf"] == json_schema(None)["oneOf"]
