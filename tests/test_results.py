"""Results look alike: every public result type has ``to_dict()``, JSON-ready.

One way to expose a result, whatever made it, so that the CLI, the service,
notebooks and jobs never need to know a type's private shape.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from optimizer import Cart, Layout, batch_orders, plan_wave, route
from optimizer.jobs import replay
from optimizer.slotting import DemandProfile, assign, classify, reslot
from optimizer.synthetic import History


def _results(layout: Layout, history: History, profile: DemandProfile) -> dict[str, Any]:
    codes = ["A01-B1-003-L-1", "A04-B1-040-R-1", "A09-B1-012-L-1"]
    orders = next(iter(history.orders_by_day().values()))[:30]
    current = assign(layout, profile, "random", seed=1)
    wave = plan_wave(layout, current, orders, Cart(max_items=45))
    return {
        "Layout": layout,
        "Route": route(layout, codes),
        "BatchingResult": batch_orders(layout, current, orders, Cart(max_items=45)),
        "WavePlan": wave,
        "WaveKpis": wave.kpis,
        "DemandProfile": profile,
        "Classes": classify(profile),
        "ReslotPlan": reslot(layout, profile, current, max_moves=10),
        "ReplayReport": replay(
            layout, {"d1": orders}, {"old": current, "new": current}, Cart(max_items=45)
        ),  # fmt: skip
    }


@pytest.fixture(scope="module")
def results(single_block: Layout, history: History, profile: DemandProfile) -> dict[str, Any]:
    return _results(single_block, history, profile)


@pytest.mark.parametrize(
    "name",
    [
        "Layout",
        "Route",
        "BatchingResult",
        "WavePlan",
        "WaveKpis",
        "DemandProfile",
        "Classes",
        "ReslotPlan",
        "ReplayReport",
    ],  # fmt: skip
)
def test_every_result_has_a_json_ready_to_dict(results: dict[str, Any], name: str) -> None:
    """``to_dict()`` exists, returns a dict, and survives ``json.dumps`` unchanged."""
    d = results[name].to_dict()
    assert isinstance(d, dict) and d
    assert json.loads(json.dumps(d)) == d


def test_a_content_hash_is_never_called_a_version(results: dict[str, Any]) -> None:
    """``layout_version`` means the store's number in the service; in the library's
    dicts the content hash is ``content_hash`` / ``layout_hash``."""
    assert "layout_version" not in results["Route"].to_dict()
    assert results["Route"].to_dict()["layout_hash"] == results["Layout"].version
    assert results["Layout"].to_dict()["content_hash"] == results["Layout"].version
