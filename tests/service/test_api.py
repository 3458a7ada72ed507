"""The HTTP API in-process (a real worker pool behind FastAPI's TestClient):
keys, limits, uploads and versions, routes, waves, jobs, problems, metrics."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tomllib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # newer Starlette prefers httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from optimizer.cli import main
from optimizer.service import ServiceConfigError, Settings, create_app
from tests.conftest import LAYOUTS
from tests.service.support import AUTH, KEY, SINGLE_TOML, slotting_csv, wave_body, without_timings

TOML = {"Content-Type": "application/toml"}
CSV = {"Content-Type": "text/csv"}
NO_KEY = {"Authorization": ""}
LIMIT_BYTES = 512 * 1024
MAX_ORDERS = 120


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app with one warm worker, single_block and its slotting uploaded."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("service"), workers=1, api_keys=KEY,
                        max_body_bytes=LIMIT_BYTES, max_orders=MAX_ORDERS)  # fmt: skip
    with TestClient(create_app(settings), headers=AUTH) as c:
        assert c.put("/v1/layouts/single_block", content=SINGLE_TOML,
                     headers=TOML).status_code == 201  # fmt: skip
        assert c.put("/v1/layouts/single_block/slotting", content=slotting_csv(0),
                     headers=CSV).status_code == 201  # fmt: skip
        yield c


def _v1_operations(client: TestClient) -> list[tuple[str, str]]:
    doc = client.get("/openapi.json").json()
    ops = []
    for path, item in doc["paths"].items():
        if path.startswith("/v1/"):
            concrete = path.replace("{name}", "single_block").replace("{job_id}", "0" * 32)
            ops.extend((method.upper(), concrete) for method in item)
    return ops


# ---- security ------------------------------------------------------------------------
def test_every_v1_route_answers_401_without_a_key(client: TestClient) -> None:
    """Each /v1 operation of the OpenAPI document refuses a request without a key."""
    ops = _v1_operations(client)
    assert len(ops) >= 8
    for method, path in ops:
        r = client.request(method, path, headers=NO_KEY, json={})
        assert r.status_code == 401, (method, path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"].startswith("Bearer")


def test_every_v1_route_answers_401_for_a_wrong_key(client: TestClient) -> None:
    """A bearer token that is not a configured key is refused the same way."""
    for method, path in _v1_operations(client):
        r = client.request(method, path, headers={"Authorization": "Bearer " + "x" * 24})
        assert r.status_code == 401, (method, path)


def test_ops_routes_need_no_key(client: TestClient) -> None:
    """Probes and the metrics scrape work without a key."""
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert client.get(path, headers=NO_KEY).status_code == 200, path


def test_no_keys_and_no_insecure_flag_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without keys the app is not built, and `pickopt serve` exits 2 saying why."""
    for name in ("PICKOPT_API_KEYS", "PICKOPT_API_KEYS_FILE", "PICKOPT_INSECURE_DEV"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ServiceConfigError, match="no API keys"):
        create_app(Settings(data_dir=tmp_path, api_keys=""))
    assert main(["serve", "--data-dir", str(tmp_path), "--port", "1"]) == 2


def test_insecure_dev_mode_opens_v1_routes(tmp_path: Path) -> None:
    """--insecure-dev with no keys lets requests past the key check."""
    app = create_app(Settings(data_dir=tmp_path, api_keys="", insecure_dev=True))
    r = TestClient(app).get("/v1/layouts")  # no lifespan: the store is not open yet
    assert r.status_code == 503


def test_keys_file_is_read_and_short_keys_are_refused(tmp_path: Path) -> None:
    """Keys come from the file (comments ignored); a key under 16 characters is an error."""
    path = tmp_path / "keys"
    path.write_text("# ops team\nkey-from-file-0123456789\n\n")
    assert Settings(api_keys="env-key-0123456789ab", api_keys_file=path).keys() == (
        "env-key-0123456789ab", "key-from-file-0123456789")  # fmt: skip
    with pytest.raises(ServiceConfigError, match="at least 16"):
        Settings(api_keys="short").keys()


def test_default_batching_must_be_a_method(tmp_path: Path) -> None:
    """PICKOPT_DEFAULT_BATCHING is checked when the settings are read."""
    assert Settings(data_dir=tmp_path, default_batching="savings").default_batching == "savings"
    with pytest.raises(ValueError, match="default_batching"):
        Settings(data_dir=tmp_path, default_batching="fastest")


# ---- limits --------------------------------------------------------------------------
def test_oversize_body_is_413(client: TestClient) -> None:
    """A body over the limit is refused with 413, declared or chunked."""
    big = b"x" * (LIMIT_BYTES + 1)
    r = client.put("/v1/layouts/huge", content=big, headers=TOML)
    assert r.status_code == 413 and r.json()["limit"] == LIMIT_BYTES
    chunked = client.put("/v1/layouts/huge", content=iter([big[:1000], big[1000:]]),
                         headers=TOML)  # fmt: skip
    assert chunked.status_code == 413
    assert (
        client.post(
            "/v1/waves", content=big, headers={"Content-Type": "application/json"}
        ).status_code
        == 413
    )


def test_wave_over_the_order_limit_is_422_naming_it(client: TestClient) -> None:
    """One order more than PICKOPT_MAX_ORDERS: 422 with the limit in the body."""
    r = client.post("/v1/waves", json=wave_body(MAX_ORDERS + 1))
    body = r.json()
    assert r.status_code == 422
    assert body["field"] == "orders" and body["limit"] == MAX_ORDERS
    assert f"limit is {MAX_ORDERS}" in body["detail"]


def test_time_budget_over_the_limit_is_422(client: TestClient) -> None:
    """A time budget above PICKOPT_MAX_TIME_BUDGET_S names the field and limit."""
    r = client.post("/v1/waves", json=wave_body(5, time_budget_s=3600))
    assert r.status_code == 422 and r.json()["field"] == "time_budget_s"


# ---- layouts and slottings ------------------------------------------------------------
def test_same_spec_as_json_is_the_same_version(client: TestClient) -> None:
    """The TOML upload and the same spec as JSON are one version, answered with 200."""
    r = client.put("/v1/layouts/single_block", json=tomllib.loads(SINGLE_TOML))
    assert r.status_code == 200 and r.json()["version"] == 1


def test_layouts_are_listed_and_read_back(client: TestClient) -> None:
    """The listing names the layout; GET gives the spec as JSON and the TOML text."""
    names = [x["name"] for x in client.get("/v1/layouts").json()["layouts"]]
    doc = client.get("/v1/layouts/single_block").json()
    assert "single_block" in names
    assert doc["spec"]["aisles"] == 10 and doc["source"] == SINGLE_TOML
    assert doc["info"]["slots"] == 900


def test_pinned_layout_version_is_used(client: TestClient) -> None:
    """A second upload is version 2; requests pinned to version 1 still use the old one."""
    spec = tomllib.loads(SINGLE_TOML)
    assert client.put("/v1/layouts/pinned", json=spec).json()["version"] == 1
    wider = client.put("/v1/layouts/pinned", json={**spec, "aisle_spacing": 10.0})
    assert wider.status_code == 201 and wider.json()["version"] == 2
    picks = {"layout": "pinned", "picks": ["A05-B1-001-L-1"]}
    old = client.post("/v1/routes", json={**picks, "layout_version": 1}).json()
    new = client.post("/v1/routes", json=picks).json()
    assert (old["layout_version"], new["layout_version"]) == (1, 2)
    assert new["distance_m"] > old["distance_m"]
    assert client.get("/v1/layouts/pinned", params={"version": 1}).json()["spec"] == spec


def test_missing_spec_key_is_422_naming_the_field(client: TestClient) -> None:
    """A spec without cell_length: 422 whose field is spec.cell_length."""
    spec = tomllib.loads(SINGLE_TOML)
    del spec["cell_length"]
    r = client.put("/v1/layouts/broken", json=spec)
    assert r.status_code == 422 and r.json()["field"] == "spec.cell_length"


def test_inconsistent_spec_is_422_naming_the_key(client: TestClient) -> None:
    """A depot in aisle 12 of 10: the library's message names depots[0] and 'aisle'."""
    spec = {**tomllib.loads(SINGLE_TOML), "depots": [{"aisle": 12}]}
    r = client.put("/v1/layouts/broken", json=spec)
    assert r.status_code == 422
    assert "depots[0]" in r.json()["detail"] and "'aisle'" in r.json()["detail"]


def test_malformed_toml_is_422(client: TestClient) -> None:
    """TOML that does not parse is a 422 about the body, not a 500."""
    r = client.put("/v1/layouts/broken", content="kind = [", headers=TOML)
    assert r.status_code == 422 and r.json()["field"] == "body"


def test_unknown_content_type_is_415(client: TestClient) -> None:
    """Only JSON and TOML layouts are accepted."""
    r = client.put("/v1/layouts/x", content="<xml/>", headers={"Content-Type": "text/xml"})
    assert r.status_code == 415


def test_slotting_with_an_unknown_bin_is_422_naming_it(client: TestClient) -> None:
    """Every bin of an uploaded slotting is checked against the layout."""
    r = client.put(
        "/v1/layouts/single_block/slotting",
        json={"bins": {"sku-1": "A01-B1-001-L-1", "sku-2": "A99-B1-001-L-1"}},
    )
    assert r.status_code == 422
    assert r.json()["bin"] == "A99-B1-001-L-1" and "sku-2" in r.json()["field"]


def test_slotting_reads_back_as_json_and_csv(client: TestClient) -> None:
    """The stored table comes back the same, as JSON or as CSV."""
    as_json = client.get("/v1/layouts/single_block/slotting").json()
    as_csv = client.get("/v1/layouts/single_block/slotting", headers={"Accept": "text/csv"})
    assert as_json["skus"] == len(as_json["bins"]) == 900
    assert as_csv.text == slotting_csv(0)


# ---- routes -----------------------------------------------------------------------------
def test_route_stops_carry_cumulative_distance(client: TestClient) -> None:
    """An exact route: stops in walking order, distance to each stop increasing."""
    r = client.post(
        "/v1/routes",
        json={"layout": "single_block", "picks": ["A03-B1-017-L-1", "A07-B1-040-R-1"]},
    )
    body = r.json()
    assert r.status_code == 200 and body["method"] == "exact" and body["optimal"]
    assert [s["distance_m"] for s in body["stops"]] == sorted(
        s["distance_m"] for s in body["stops"]
    )
    assert body["stops"][-1]["distance_m"] < body["distance_m"]


def test_unknown_bin_in_a_route_is_422_naming_bin_and_field(client: TestClient) -> None:
    """The problem names the bin code, its position and the closest real code."""
    r = client.post(
        "/v1/routes",
        json={"layout": "single_block", "picks": ["A03-B1-017-L-1", "A07-B1-940-R-1"]},
    )
    body = r.json()
    assert r.status_code == 422
    assert (body["field"], body["bin"]) == ("picks[1]", "A07-B1-940-R-1")
    assert "A07-B1-040-R-1" in body["detail"]


def test_unknown_layout_is_404(client: TestClient) -> None:
    """Planning on a layout nobody uploaded: 404 naming it."""
    r = client.post("/v1/routes", json={"layout": "nowhere", "picks": ["A"]})
    assert r.status_code == 404 and "nowhere" in r.json()["detail"]


# ---- waves and jobs ------------------------------------------------------------------------
def _check_plan(plan: dict[str, Any], n_orders: int) -> None:
    planned = [o for b in plan["batches"] for o in b["orders"]]
    left = [u["order_id"] for u in plan["unassigned"]]
    assert len(planned + left) == len(set(planned + left)) == n_orders
    for b in plan["batches"]:
        d = [s["distance_m"] for s in b["steps"]]
        t = [s["time_s"] for s in b["steps"]]
        assert d == sorted(d) and t == sorted(t) and t[-1] <= b["time_s"]
        assert [s["seq"] for s in b["steps"]] == list(range(1, len(d) + 1))


def test_wave_plan_has_batches_steps_and_reasons(client: TestClient) -> None:
    """100 orders plus one with an unknown SKU: every order is batched once or
    unassigned with a reason; pick lists run forward in distance and time."""
    body = wave_body(100, seed=0)
    body["orders"].append({"id": "bad", "lines": [{"sku": "no-such-sku"}]})
    r = client.post("/v1/waves", json=body)
    plan = r.json()
    assert r.status_code == 200, r.text
    _check_plan(plan, 101)
    (bad,) = plan["unassigned"]
    assert (bad["order_id"], bad["code"], bad["sku"]) == ("bad", "unknown_sku", "no-such-sku")
    assert "no-such-sku" in bad["reason"]
    assert plan["summary"]["orders"] == 101 and plan["slotting_version"] == 1
    assert plan["summary"]["batching_method"] == "alns"  # the default, auto


def test_duplicate_order_id_is_422_naming_it(client: TestClient) -> None:
    """The second use of an order id is the field at fault."""
    body = wave_body(3)
    body["orders"][2]["id"] = body["orders"][0]["id"]
    r = client.post("/v1/waves", json=body)
    assert r.status_code == 422 and r.json()["field"] == "orders[2].id"


def test_a_routing_method_that_does_not_apply_names_the_policy(client: TestClient) -> None:
    """Exact routing on a graph layout: 422 naming policy.routing."""
    fishbone = json.loads((LAYOUTS / "fishbone.json").read_text())
    assert client.put("/v1/layouts/fishbone", json=fishbone).status_code == 201
    code = fishbone["slots"][0]["code"]
    body = {
        "layout": "fishbone",
        "slotting_version": "identity",
        "cart": {"max_items": 10},
        "orders": [{"id": "o1", "lines": [{"sku": code}]}],
        "policy": {"routing": "exact"},
    }
    r = client.post("/v1/waves", json=body)
    assert r.status_code == 422 and r.json()["field"] == "policy.routing", r.text


def test_schema_errors_name_the_field(client: TestClient) -> None:
    """A quantity of 0 is a 422 whose field is the line's qty."""
    body = wave_body(3)
    body["orders"][1]["lines"][0]["qty"] = 0
    r = client.post("/v1/waves", json=body)
    assert r.status_code == 422 and r.json()["field"] == "orders[1].lines[0].qty"


def test_async_job_gives_the_sync_plan(client: TestClient) -> None:
    """?async=true answers 202 with a job; once done its result is the sync plan."""
    body = wave_body(40, seed=5, policy={"batching": "savings"})
    sync = client.post("/v1/waves", json=body).json()
    r = client.post("/v1/waves", params={"async": "true"}, json=body)
    assert r.status_code == 202 and r.json()["status"] in ("queued", "running", "done")
    for _ in range(600):
        job = client.get(r.headers["Location"]).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert job["status"] == "done"
    assert job["result"]["batches"] == sync["batches"]


def test_unknown_job_is_404(client: TestClient) -> None:
    """A job id nobody was given."""
    assert client.get("/v1/jobs/" + "f" * 32).status_code == 404


# ---- operations ------------------------------------------------------------------------------
def test_metrics_expose_latency_waves_and_errors(client: TestClient) -> None:
    """/metrics has the latency histogram by route, the wave counter and errors."""
    client.post("/v1/waves", json=wave_body(5, slotting_version="identity"))
    client.post("/v1/routes", json={"layout": "nowhere", "picks": ["A"]})
    text = client.get("/metrics").text
    bucket = 'pickopt_request_duration_seconds_bucket{le="0.1",method="POST",route="/v1/waves"'
    assert bucket in text
    assert 'pickopt_waves_planned_total{mode="sync"}' in text
    assert 'pickopt_errors_total{status="404"' in text


def test_readyz_reports_workers(client: TestClient) -> None:
    """Ready with its one worker and the store answering."""
    assert client.get("/readyz").json() == {"status": "ready", "workers": 1,
                                            "workers_ready": 1, "store": "ok"}  # fmt: skip


def test_openapi_documents_every_v1_operation(client: TestClient) -> None:
    """Each /v1 operation declares the key and a 401 (and a 422 where it takes input)
    as problem+json."""
    doc = client.get("/openapi.json").json()
    assert {"LayoutSpec", "SlottingIn", "WaveRequest", "WavePlanOut", "Problem"} <= set(
        doc["components"]["schemas"])  # fmt: skip
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if path.startswith("/v1/"):
                assert op["security"] == [{"apiKey": []}], (method, path)
                assert "application/problem+json" in op["responses"]["401"]["content"]
                if op.get("parameters") or op.get("requestBody"):
                    assert "application/problem+json" in op["responses"]["422"]["content"]
    assert json.dumps(doc)  # serializable as served


def test_slotting_json_to_csv_to_upload_keeps_values_exactly(client: TestClient) -> None:
    """JSON -> CSV -> upload -> JSON gives back every SKU as written: spaces, commas,
    quotes, semicolons and unicode kept (the upload used to strip " lead")."""
    skus = [" lead", "trail ", "a,b", 'say "x"', "semi;colon", "Größe-7"]
    bins = {sku: f"A01-B1-{k + 1:03d}-L-1" for k, sku in enumerate(skus)}
    assert client.put("/v1/layouts/single_block/slotting", json={"bins": bins}).status_code < 300
    csv_text = client.get("/v1/layouts/single_block/slotting", headers={"Accept": "text/csv"}).text
    again = client.put(
        "/v1/layouts/single_block/slotting", content=csv_text.encode(),
        headers={"Content-Type": "text/csv"},
    )  # fmt: skip
    assert again.status_code < 300, again.json()
    assert client.get("/v1/layouts/single_block/slotting").json()["bins"] == bins


_BURN = "import time\nend = time.monotonic() + 120\nwhile time.monotonic() < end:\n    pass\n"


def test_ten_identical_waves_under_load_give_one_plan(client: TestClient) -> None:
    """The same wave, default policy and seed, sent ten times while two other processes
    keep both cores busy: one plan, because the batching search is budgeted in work
    (``policy.effort``), with wall time only as a safety cap that did not fire."""
    body = wave_body(100, seed=0)
    burners = [subprocess.Popen([sys.executable, "-c", _BURN]) for _ in range(2)]
    try:
        plans = [client.post("/v1/waves", json=body) for _ in range(10)]
    finally:
        for p in burners:
            p.kill()
            p.wait()
    assert all(r.status_code == 200 for r in plans), plans[0].json()
    assert not any(r.json()["summary"]["batching_capped"] for r in plans)
    assert len({json.dumps(without_timings(r.json()), sort_keys=True) for r in plans}) == 1
