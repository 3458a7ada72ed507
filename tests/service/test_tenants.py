"""Keys with tenants and scopes: a key sees only its tenant's layouts, slottings and
jobs (others' are 404), may do only what its scopes allow, and /metrics and /docs
can be switched off or put behind a key."""

from __future__ import annotations

import functools
import sys
import time
import types
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from optimizer.service import ServiceConfigError, Settings, create_app, tasks
from optimizer.service.settings import SCOPES, ApiKey
from optimizer.service.workers import WorkerPool
from tests.service.support import KEY, SINGLE_TOML, wave_body

with warnings.catch_warnings():  # newer Starlette prefers httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ACME = "acme-key-0123456789abcdef"
GLOBEX = "globex-key-0123456789abcd"
READER = "reader-key-0123456789abcd"
PLANNER = "planner-key-0123456789abc"
OPS = "ops-key-0123456789abcdefg"
TOML = {"Content-Type": "application/toml"}


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys"
    path.write_text(
        f"# old format: the default tenant, every scope\n{KEY}\n"
        f"{ACME}    tenant=acme\n"
        f"{GLOBEX}  tenant=globex   # a comment\n"
        f"{READER}  tenant=acme scopes=read\n"
        f"{PLANNER} tenant=acme scopes=read,plan\n"
        f"{OPS}     scopes=admin\n"
    )
    return path


def _cold(s: Settings, on_restart: Callable[[str], None]) -> WorkerPool:
    init = functools.partial(tasks.init_worker, str(s.data_dir), False)
    return WorkerPool(1, init, on_restart=on_restart)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("tenants")
    settings = Settings(data_dir=tmp / "data", workers=1, api_keys_file=_keys_file(tmp),
                        metrics="key")  # fmt: skip
    with TestClient(create_app(settings, pool_factory=_cold)) as c:
        put = c.put("/v1/layouts/single_block", content=SINGLE_TOML,
                    headers={**TOML, **_auth(ACME)})  # fmt: skip
        assert put.status_code == 201
        yield c


def test_the_keys_file_gives_tenants_and_scopes(tmp_path: Path) -> None:
    """A plain key keeps its old meaning; options name a tenant and scopes."""
    keys = {k.token: k for k in Settings(api_keys_file=_keys_file(tmp_path)).api_key_entries()}
    assert keys[KEY] == ApiKey(KEY, "default", frozenset(SCOPES))
    assert keys[GLOBEX].tenant == "globex" and keys[GLOBEX].scopes == frozenset(SCOPES)
    assert keys[READER] == ApiKey(READER, "acme", frozenset({"read"}))
    bad = tmp_path / "bad"
    for line, message in ((f"{ACME} scopes=fly", "unknown scope fly"),
                          (f"{ACME} tenant=a/b", "not a valid name"),
                          (f"{ACME} colour=red", "unknown key option"),
                          (f"{ACME} more", "contains whitespace")):  # fmt: skip
        bad.write_text(line + "\n")
        with pytest.raises(ServiceConfigError, match=message):
            Settings(api_keys_file=bad).keys()


def test_another_tenants_layout_is_404(client: TestClient) -> None:
    """globex cannot read, list, version, route on or slot acme's layout: all 404."""
    g = _auth(GLOBEX)
    assert client.get("/v1/layouts/single_block", headers=_auth(ACME)).status_code == 200
    for method, path in (("GET", "/v1/layouts/single_block"),
                         ("GET", "/v1/layouts/single_block/versions"),
                         ("GET", "/v1/layouts/single_block/slotting")):  # fmt: skip
        r = client.request(method, path, headers=g)
        assert r.status_code == 404, (path, r.text)
    assert client.get("/v1/layouts", headers=g).json() == {"layouts": []}
    route = client.post("/v1/routes", headers=g,
                        json={"layout": "single_block", "picks": ["A01-B1-001-L-1"]})  # fmt: skip
    assert route.status_code == 404
    assert client.get("/v1/layouts/single_block", headers=_auth(KEY)).status_code == 404


def test_tenants_keep_separate_versions_of_one_name(client: TestClient) -> None:
    """globex's own single_block is its version 1; acme's stays as it was."""
    r = client.put("/v1/layouts/single_block", content=SINGLE_TOML.replace("aisles = 10",
                   "aisles = 12"), headers={**TOML, **_auth(GLOBEX)})  # fmt: skip
    assert r.status_code == 201 and r.json()["version"] == 1
    acme = client.get("/v1/layouts/single_block", headers=_auth(ACME)).json()
    assert acme["version"] == 1 and acme["spec"]["aisles"] == 10


def test_another_tenants_job_is_404(client: TestClient) -> None:
    """A job is visible to its tenant's keys only."""
    body = wave_body(5, slotting_version="identity")
    job = client.post("/v1/waves", params={"async": "true"}, json=body, headers=_auth(ACME))
    assert job.status_code == 202, job.text
    url = job.headers["Location"]
    assert client.get(url, headers=_auth(READER)).status_code == 200
    assert client.get(url, headers=_auth(GLOBEX)).status_code == 404
    deadline = time.monotonic() + 60
    while client.get(url, headers=_auth(ACME)).json()["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_scopes_limit_what_a_key_may_do(client: TestClient) -> None:
    """read: no uploads, no planning (403 naming the scope); plan: waves, no uploads."""
    upload = client.put("/v1/layouts/other", content=SINGLE_TOML,
                        headers={**TOML, **_auth(READER)})  # fmt: skip
    assert upload.status_code == 403 and "'write'" in upload.json()["detail"]
    body = wave_body(5, slotting_version="identity")
    assert client.post("/v1/waves", json=body, headers=_auth(READER)).status_code == 403
    assert client.post("/v1/waves", json=body, headers=_auth(PLANNER)).status_code == 200
    again = client.put("/v1/layouts/other", content=SINGLE_TOML,
                       headers={**TOML, **_auth(PLANNER)})  # fmt: skip
    assert again.status_code == 403
    assert client.get("/v1/layouts", headers=_auth(READER)).status_code == 200


def test_metrics_behind_a_key(client: TestClient) -> None:
    """PICKOPT_METRICS=key: no key 401, a tenant key without admin 403, admin 200."""
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=_auth(ACME)).status_code == 200  # every scope
    assert client.get("/metrics", headers=_auth(READER)).status_code == 403
    assert client.get("/metrics", headers=_auth(OPS)).status_code == 200


def test_metrics_and_docs_can_be_off(tmp_path: Path) -> None:
    """Switched off, they are 404 problems even with a key; docs are off by default."""
    settings = Settings(data_dir=tmp_path, api_keys=KEY, metrics="off")
    c = TestClient(create_app(settings, pool_factory=_cold))
    for path in ("/metrics", "/docs"):
        r = c.get(path, headers=_auth(KEY))
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


def test_docs_are_served_from_the_package_not_a_cdn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With swagger-ui-bundle, /docs loads its scripts from /docs/static; without it,
    turning the docs on is a configuration error naming the package."""
    settings = Settings(data_dir=tmp_path, api_keys=KEY, docs="open")
    monkeypatch.setitem(sys.modules, "swagger_ui_bundle", None)
    with pytest.raises(ServiceConfigError, match="swagger-ui-bundle"):
        create_app(settings, pool_factory=_cold)
    files = tmp_path / "swagger"
    files.mkdir()
    (files / "swagger-ui-bundle.js").write_text("/* the bundle */")
    fake = types.ModuleType("swagger_ui_bundle")
    fake.swagger_ui_path = str(files)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "swagger_ui_bundle", fake)
    c = TestClient(create_app(settings, pool_factory=_cold))
    html = c.get("/docs").text
    assert "/docs/static/swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    assert c.get("/docs/static/swagger-ui-bundle.js").text == "/* the bundle */"
