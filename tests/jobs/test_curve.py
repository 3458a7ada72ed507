"""The budget curve's expected saving: built from the profile window only, and
calibrated by a backtest whose noisy factors are shrunk toward their pooled value."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from optimizer.batching import Cart
from optimizer.errors import PickoptError
from optimizer.jobs.curve import (
    BudgetCurve,
    Calibration,
    budget_curve,
    demand_forecast,
    forecast_estimate,
    holdout_calibration,
    model_gains,
    picks_per_day,
    replay_curve,
    selection_factors,
)
from optimizer.layout import Layout
from optimizer.orders import Order, OrderLine, Slotting
from optimizer.slotting import DemandProfile, ReslotPlan, SlottingWarning, assign, reslot
from optimizer.synthetic import DemandDrift, History, generate_history

CART = Cart(max_items=45)
SHARES = (0.05, 0.2)
PREVIOUS, PROFILE, FOLD, HOLDOUT = (0, 6), (7, 13), (7, 10), (11, 13)


@pytest.fixture(scope="module")
def drifting() -> History:
    return generate_history(120, days=20, orders_per_day=25, seed=4,
                            events=DemandDrift(promotions=4.0))  # fmt: skip


@pytest.fixture(scope="module")
def start(single_block: Layout, drifting: History) -> Slotting:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        return assign(single_block, drifting.window(*PREVIOUS).profile(), "class-based")


@pytest.fixture(scope="module")
def plan(single_block: Layout, drifting: History, start: Slotting) -> ReslotPlan:
    """The re-slot planned from the profile window, from ``start``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        return reslot(single_block, drifting.window(*PROFILE).profile(), start)


def _curve(layout: Layout, h: History, current: Slotting, replay_days: tuple[int, int],
           calibrated: bool = True) -> BudgetCurve:  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        plan = reslot(layout, h.window(*PROFILE).profile(), current)
        early = reslot(layout, h.window(*FOLD).profile(), current)
    factors = None
    if calibrated:
        fold = (early, h.window(*FOLD).orders_by_day(), h.window(*HOLDOUT).orders_by_day())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SlottingWarning)
            shape, fold_shape = (
                selection_factors(layout, current, h.window(*days).orders_by_day(),
                                  lambda p: reslot(layout, p, current), shares=SHARES, draws=4)
                for days in (PROFILE, FOLD)
            )  # fmt: skip
        factors = holdout_calibration(layout, current, [fold], CART, shares=SHARES, shape=shape,
                                      fold_shape=fold_shape)  # fmt: skip
    return budget_curve(layout, current, plan, h.window(*PROFILE).orders_by_day(),
                        h.window(*replay_days).orders_by_day(), CART, shares=SHARES,
                        factors=factors)  # fmt: skip


def test_expected_saving_uses_only_the_profile_window(
    single_block: Layout, drifting: History, start: Slotting
) -> None:
    """Replaying other days after the profile window changes the replayed saving,
    never the expected one, its interval or the calibrated move gains."""
    a = _curve(single_block, drifting, start, (14, 16))
    b = _curve(single_block, drifting, start, (17, 19))
    assert [p.expected_m_per_day for p in a.points] == [p.expected_m_per_day for p in b.points]
    assert [p.expected_se for p in a.points] == [p.expected_se for p in b.points]
    assert [m.expected_gain_m for m in a.moves] == [m.expected_gain_m for m in b.moves]
    assert [p.replayed_m_per_day for p in a.points] != [p.replayed_m_per_day for p in b.points]
    assert all(p.expected_se is not None and p.expected_se >= 0 for p in a.points)


def test_redrawn_replay_window_does_not_change_the_plan(
    single_block: Layout, drifting: History, start: Slotting
) -> None:
    """Other orders in the replay window (orders_seed) leave the profile window, so
    the plan's expected saving, as they are."""
    other = generate_history(120, days=20, orders_per_day=25, seed=4,
                             events=DemandDrift(promotions=4.0), orders_seed=0)  # fmt: skip
    mixed = History(*(getattr(drifting.window(0, 13), f) for f in ("order", "sku", "qty", "day")),
                    drifting.skus, drifting.unit_cube, drifting.family, drifting.start,
                    drifting.launch_day)  # fmt: skip
    a = _curve(single_block, drifting, start, (14, 16), calibrated=False)
    b = _curve(single_block, mixed, start, (7, 9), calibrated=False)
    c = replay_curve(single_block, start, a, other.window(14, 16).orders_by_day(), CART)
    assert [p.expected_m_per_day for p in a.points] == [p.expected_m_per_day for p in b.points]
    assert [p.expected_m_per_day for p in c.points] == [p.expected_m_per_day for p in a.points]
    assert [p.replayed_m_per_day for p in c.points] != [p.replayed_m_per_day for p in a.points]


def test_replay_curve_matches_the_curves_own_replay(
    single_block: Layout, drifting: History, start: Slotting
) -> None:
    """Replaying a curve's prefixes on its own replay window gives its own figures."""
    a = _curve(single_block, drifting, start, (14, 16), calibrated=False)
    again = replay_curve(single_block, start, a, drifting.window(14, 16).orders_by_day(), CART)
    for p, q in zip(a.points, again.points, strict=True):
        assert q.replayed_m_per_day == pytest.approx(p.replayed_m_per_day)
        assert q.replayed_se == pytest.approx(p.replayed_se)


def test_drift_is_pooled_over_the_points_by_their_precision() -> None:
    """A point measured with a large standard error hardly moves the pooled drift;
    each point's factor is its selection factor times the drift."""
    shape = {"1 %": 1.0, "5 %": 0.9, "full": 0.8}
    c = Calibration.fit({"1 %": 3.0, "5 %": 0.63, "full": 0.56},
                        {"1 %": 5.0, "5 %": 0.05, "full": 0.05}, shape=shape,
                        apply_drift=True)  # fmt: skip
    assert c.drift == pytest.approx(0.7, abs=0.01)
    for k, f in shape.items():
        assert c.factors[k] == pytest.approx(f * c.drift)


def test_drift_not_applied_widens_the_interval_only() -> None:
    """By default the factors are the selection factors, and a drift the backtest
    saw, in either direction, widens their standard errors."""
    shape = {"a": 0.9, "b": 0.8}
    se = {"a": 0.05, "b": 0.05}
    down = Calibration.fit({"a": 0.63, "b": 0.56}, se, shape=shape)
    up = Calibration.fit({"a": 1.17, "b": 1.04}, se, shape=shape)
    none = Calibration.fit({"a": 0.9, "b": 0.8}, se, shape=shape)
    assert down.factors == up.factors == none.factors == shape
    assert down.factor_se["a"] > 5 * none.factor_se["a"]
    assert up.factor_se["a"] > 5 * none.factor_se["a"]


def test_factors_within_their_noise_have_no_spread() -> None:
    """When the points differ by less than their noise, the spread is 0 and the
    factor's error is the pooled one's."""
    c = Calibration.fit({"a": 0.78, "b": 0.82, "c": 0.80}, {"a": 0.1, "b": 0.1, "c": 0.1},
                        apply_drift=True)  # fmt: skip
    assert c.spread == 0.0
    assert all(f == pytest.approx(0.80) for f in c.factors.values())
    assert c.factor_se["a"] == pytest.approx(0.1 / math.sqrt(3))


def test_the_folds_own_selection_is_divided_out() -> None:
    """A backtest plan that kept 0.8 of its gain by selection alone shows no drift."""
    c = Calibration.fit({"a": 0.8}, {"a": 0.05}, shape={"a": 0.9}, fold_shape={"a": 0.8},
                        apply_drift=True)  # fmt: skip
    assert c.drift == pytest.approx(1.0) and c.factors["a"] == pytest.approx(0.9)


def test_unmeasured_backtest_leaves_the_selection_factor() -> None:
    """Without a measured backtest point the drift is 1 and the factor the shape."""
    c = Calibration.fit({"a": 0.5}, {"a": math.inf}, shape={"a": 0.9})
    assert c.factors == {"a": 0.9} and c.factor_se == {"a": 0.0}


def test_selection_factor_is_at_most_one_on_stable_demand(
    single_block: Layout, drifting: History, start: Slotting
) -> None:
    """Moves chosen on a resample of the days gain less on the real days than on
    the sample, more so the more moves (chance picks the marginal ones)."""
    days = drifting.window(*PROFILE).orders_by_day()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        f = selection_factors(single_block, start, days,
                              lambda p: reslot(single_block, p, start), shares=SHARES,
                              draws=6)  # fmt: skip
    assert list(f) == ["5 %", "20 %", "full"]
    assert 0 < f["full"] <= 1.0


def _poisson_days(rates: np.ndarray, days: int, seed: int) -> dict[str, list[Order]]:
    """``days`` days of one-line orders, SKU ``s{i}`` drawn Poisson(``rates[:, i]`` on day d)
    (``rates`` is (days, skus), or (skus,) for every day)."""
    rng = np.random.default_rng(seed)
    rates = np.broadcast_to(rates, (days, rates.shape[-1]))
    out = {}
    for d in range(days):
        n = rng.poisson(rates[d])
        out[f"d{d:03d}"] = [Order(f"{d}-{i}-{j}", (OrderLine(f"s{i}"),))
                            for i in range(n.size) for j in range(int(n[i]))]  # fmt: skip
    return out


def test_demand_forecast_is_unbiased_on_stable_demand() -> None:
    """With known, constant Poisson rates the forecast's picks a day, summed over the
    SKUs and averaged over histories, is the known total within 2 % (the fitted
    weights add up to about one), and each busy SKU's forecast is near its rate."""
    rates = 40.0 * (np.arange(1, 61) ** -1.0)
    totals, busy = [], []
    for seed in range(12):
        f = demand_forecast(_poisson_days(rates, 56, seed))
        assert f is not None
        totals.append(sum(f.values()))
        busy.append(f.get("s0", 0.0))
    assert np.mean(totals) == pytest.approx(rates.sum(), rel=0.02)
    assert np.mean(busy) == pytest.approx(rates[0], rel=0.03)


def test_demand_forecast_follows_a_persistent_fall() -> None:
    """Every SKU's demand halving every two weeks is forecast below the last two weeks,
    and their mean is what a re-slot of the window would assume: it reads high."""
    days = np.arange(56)[:, None]
    rates = 20.0 * (np.arange(1, 41) ** -1.0) * 0.5 ** (days / 14.0)
    orders = _poisson_days(rates, 56, seed=3)
    f = demand_forecast(orders)
    assert f is not None
    recent = picks_per_day({d: orders[d] for d in sorted(orders)[-14:]})
    coming = rates[-1].sum() * 0.5 ** (7.5 / 14.0)  # the mean rate of the two weeks after
    assert sum(f.values()) < sum(recent.values())
    assert sum(f.values()) == pytest.approx(coming, rel=0.15)


def test_demand_forecast_needs_enough_windows() -> None:
    """Fewer days than windows + 1 give no forecast."""
    orders = _poisson_days(np.array([2.0, 1.0]), 3, seed=0)
    assert demand_forecast(orders, windows=3) is None


def test_picks_model_gains_scale_with_the_picks_a_day(
    single_block: Layout, drifting: History, start: Slotting, plan: ReslotPlan
) -> None:
    """The picks model prices a move by its SKU's picks a day: twice the picks, twice
    each budget point's gain (the demand factor of a forecast); one point per share
    and the full plan."""
    days = drifting.window(*PROFILE).orders_by_day()
    own = picks_per_day(days)
    once = model_gains(single_block, start, plan, own, shares=SHARES)
    twice = model_gains(single_block, start, plan, {k: 2 * v for k, v in own.items()},
                        shares=SHARES)  # fmt: skip
    assert list(once) == ["5 %", "20 %", "full"]
    assert all(once[k] > 0 and twice[k] == pytest.approx(2 * once[k]) for k in once)


def test_expected_interval_holds_the_estimates_own_noise(
    single_block: Layout, drifting: History, start: Slotting, plan: ReslotPlan
) -> None:
    """With a factor known exactly, the expected saving still has a standard error: the
    profile window's days are a sample."""
    exact = Calibration.fit({"5 %": 1.0, "20 %": 1.0, "full": 1.0}, dict.fromkeys(
        ("5 %", "20 %", "full"), math.inf))  # fmt: skip
    curve = budget_curve(single_block, start, plan, drifting.window(*PROFILE).orders_by_day(),
                         None, CART, shares=SHARES, factors=exact)  # fmt: skip
    full = curve.point("full")
    assert full.expected_se is not None and full.expected_se > 0


def test_visits_model_counts_a_busy_skus_picks_on_one_tour_once(
    single_block: Layout, drifting: History, start: Slotting, plan: ReslotPlan
) -> None:
    """Without tours a day the model is the picks model; with T of them each SKU's picks
    a day r count as T (1 - exp(-r / T)) visits, fewer than its picks, so the full plan
    gains less."""
    days = drifting.window(*PROFILE).orders_by_day()
    rates = picks_per_day(days)
    picks = model_gains(single_block, start, plan, rates, shares=SHARES)
    visits = model_gains(single_block, start, plan, rates, shares=SHARES, tours_per_day=3.0)
    as_visits = {k: 3.0 * (1.0 - math.exp(-r / 3.0)) for k, r in rates.items()}
    by_visits = model_gains(single_block, start, plan, as_visits, shares=SHARES)
    assert picks["full"] > 0
    for k in picks:
        assert visits[k] == pytest.approx(by_visits[k])
    assert visits["full"] < picks["full"]


def test_forecast_estimate_is_unbiased_when_the_model_is_right() -> None:
    """Replayed savings drawn around a known scale times the model's gain, demand
    halved at the first point: the pooled estimate averages to the known saving under
    the forecast demand (within 2 %), with a smaller spread than the replay's at the
    noisy small point."""
    rng = np.random.default_rng(7)
    now = {"1 %": 100.0, "5 %": 300.0, "full": 600.0}
    ahead = {"1 %": 50.0, "5 %": 270.0, "full": 570.0}
    se = {"1 %": 8.0, "5 %": 10.0, "full": 12.0}
    scale = 0.1
    truth = {k: scale * v for k, v in ahead.items()}
    draws = []
    for _ in range(2000):
        replayed = {k: scale * now[k] + rng.normal(0.0, se[k]) for k in now}
        draws.append(forecast_estimate(replayed, se, now, ahead))
    for k in now:
        mean = np.mean([d[k]["expected"] for d in draws])
        assert mean == pytest.approx(truth[k], rel=0.02)
    spread = np.std([d["1 %"]["expected"] for d in draws])
    direct = np.std([d["1 %"]["direct"] for d in draws])
    assert spread < direct


def test_forecast_estimate_follows_the_replays_where_the_model_is_wrong() -> None:
    """Precise replays far from the model's shape: the pooled estimate stays near them."""
    now = {"1 %": 100.0, "5 %": 300.0, "full": 600.0}
    replayed = {"1 %": 30.0, "5 %": 31.0, "full": 60.0}  # nothing gained between 1 and 5 %
    se = dict.fromkeys(now, 1.0)
    out = forecast_estimate(replayed, se, now, now)
    for k in now:
        assert out[k]["expected"] == pytest.approx(replayed[k], rel=0.05)


def test_budget_curve_with_the_estimates_own_demand_as_forecast(
    single_block: Layout, drifting: History, start: Slotting, plan: ReslotPlan
) -> None:
    """A forecast equal to the estimate days' own picks a day: demand factors of 1, the
    direct estimate is the replay, and every point says how it was made."""
    days = drifting.window(*PROFILE).orders_by_day()
    curve = budget_curve(single_block, start, plan, days, None, CART, shares=SHARES,
                         forecast=picks_per_day(days))  # fmt: skip
    plain = budget_curve(single_block, start, plan, days, None, CART, shares=SHARES)
    assert set(curve.detail) == {"5 %", "20 %", "full"}
    for p, q in zip(curve.points, plain.points, strict=True):
        d = curve.detail[p.label]
        assert d["demand"] == pytest.approx(1.0)
        assert d["direct"] == pytest.approx(q.expected_m_per_day)
        assert d["tours_per_day"] > 0
        assert p.expected_m_per_day == pytest.approx(d["expected"])


def test_demand_forecast_in_one_band_is_the_single_fit() -> None:
    """``bands=1`` is one least-squares fit for all the SKUs: its weights, applied to
    the newest windows, give the forecast."""
    rates = 30.0 * (np.arange(1, 41) ** -1.0)
    orders = _poisson_days(rates, 28, seed=5)
    f = demand_forecast(orders, windows=3, width=7, bands=1)
    assert f is not None
    skus = sorted(f)
    per_day = np.array([[sum(1 for o in orders[d] if o.lines[0].sku == s) for s in skus]
                        for d in sorted(orders)], dtype=np.float64)  # fmt: skip
    rate = np.stack([per_day[28 - 7 * (w + 1) : 28 - 7 * w].mean(0) for w in range(4)], axis=1)
    weights, *_ = np.linalg.lstsq(rate[:, 1:], rate[:, 0], rcond=None)
    expected = np.maximum(rate[:, :3] @ weights, 0.0)
    assert [f[s] for s in skus] == pytest.approx(expected.tolist())


def test_demand_forecast_bands_keep_slow_skus_apart_from_a_busy_trend() -> None:
    """The busy SKUs' demand halves every two weeks while the slow ones stay put: one
    fit for all carries the busy SKUs' fall over to the slow ones; a fit per rate band
    forecasts the slow SKUs' total near their steady rate."""
    days = np.arange(56)[:, None]
    busy = 40.0 * (np.arange(1, 21) ** -1.0) * 0.5 ** (days / 14.0)
    slow = np.full((56, 100), 0.4)
    orders = _poisson_days(np.hstack([busy, slow]), 56, seed=2)
    slow_skus = [f"s{i}" for i in range(20, 120)]
    steady = 0.4 * len(slow_skus)

    def slow_total(bands: int) -> float:
        f = demand_forecast(orders, bands=bands)
        assert f is not None
        return sum(f.get(s, 0.0) for s in slow_skus)

    one_fit, banded = slow_total(1), slow_total(4)
    assert abs(banded - steady) < abs(one_fit - steady)
    assert banded == pytest.approx(steady, rel=0.15)


def test_reshuffled_estimate_is_less_noisy(
    single_block: Layout, drifting: History, start: Slotting, plan: ReslotPlan
) -> None:
    """Replaying the estimate days again with their orders dealt afresh into the same
    days narrows every point's in-sample standard error; the curve's points and moves
    stay those of the plan."""
    days = drifting.window(*PROFILE).orders_by_day()
    forecast = picks_per_day(days)
    plain = budget_curve(single_block, start, plan, days, None, CART, shares=SHARES,
                         forecast=forecast)  # fmt: skip
    dealt = budget_curve(single_block, start, plan, days, None, CART, shares=SHARES,
                         forecast=forecast, reshuffles=3)  # fmt: skip
    assert [p.length for p in dealt.points] == [p.length for p in plain.points]
    for label, d in dealt.detail.items():
        assert d["replayed_se"] < plain.detail[label]["replayed_se"]


def test_negative_reshuffles_are_refused(
    single_block: Layout, drifting: History, start: Slotting, plan: ReslotPlan
) -> None:
    """A negative number of reshuffles is an error naming it."""
    days = drifting.window(*PROFILE).orders_by_day()
    with pytest.raises(PickoptError, match="reshuffles"):
        budget_curve(single_block, start, plan, days, None, CART, shares=SHARES, reshuffles=-1)


def _selection(layout: Layout, days: dict[str, list[Order]], current: Slotting, method: str,
               draws: int = 8) -> dict[str, float]:  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        return selection_factors(layout, current, days, lambda p: reslot(layout, p, current),
                                 shares=SHARES, draws=draws, method=method)  # type: ignore[arg-type]  # fmt: skip


def _random_start(layout: Layout, days: dict[str, list[Order]]) -> Slotting:
    """The SKUs of ``days`` in random bins (a re-slot from there has moves to make)."""
    profile = DemandProfile.from_orders([o for day in days.values() for o in day])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlottingWarning)
        return assign(layout, profile, "random", seed=1)


@pytest.mark.parametrize("seed", [7, 8])
def test_selection_methods_order_on_iid_days(single_block: Layout, seed: int) -> None:
    """On i.i.d. days of many alike SKUs (chance decides which ones look busy), pricing
    a sample's plan on the days it left out finds the most selection and the plain
    bootstrap (whose real days include the sample's) the least at the budgets, where
    chance picks the moves; the .632 estimate is 0.368 + 0.632 x the out-of-bag factor.
    The full plan from random storage moves nearly every SKU, so chance decides little."""
    days = _poisson_days(np.full(60, 0.6), 20, seed=seed)
    start = _random_start(single_block, days)
    plain, oob, mixed = (_selection(single_block, days, start, m)
                         for m in ("bootstrap", "oob", "oob632"))  # fmt: skip
    for label in ("5 %", "20 %"):
        assert oob[label] < mixed[label] < plain[label] < 0.95
    assert oob["full"] <= mixed["full"] <= 1.0 and plain["full"] <= 1.0
    for label, f in oob.items():
        assert mixed[label] == pytest.approx(1.0 - (1.0 - math.exp(-1.0)) * (1.0 - f))


@pytest.mark.parametrize("seed", [7, 8])
def test_half_sampling_corrects_less_than_the_bootstrap_on_iid_days(
    single_block: Layout, seed: int
) -> None:
    """On i.i.d. days of alike SKUs a half-sample's plan chases more chance than a
    bootstrap sample's, but scaled by m / n = 1/2 its optimism is the smaller: the
    half-sampling factor lies between the plain bootstrap's and 1 at the budgets."""
    days = _poisson_days(np.full(60, 0.6), 20, seed=seed)
    start = _random_start(single_block, days)
    plain, half = (_selection(single_block, days, start, m) for m in ("bootstrap", "half"))
    for label in ("5 %", "20 %"):
        assert plain[label] < half[label] < 0.97


def test_half_sampling_needs_two_days(single_block: Layout) -> None:
    """One day cannot be halved: an error naming the method."""
    days = {"d0": [Order("o1", (OrderLine("s1"),)), Order("o2", (OrderLine("s2"),))]}
    start = _random_start(single_block, days)
    with pytest.raises(PickoptError, match="half-sampling"):
        _selection(single_block, days, start, "half")


def test_selection_factors_are_one_when_every_day_is_alike(single_block: Layout) -> None:
    """With the same orders every day a sample, its left-out days and the real days have
    the same picks a day: no method finds selection (the out-of-bag picks are scaled to
    the sample's number of days, a half-sample's picks to the real days' number)."""
    day = [Order(f"o{i}-{j}", (OrderLine(f"s{i}"),)) for i in range(30) for j in range(30 - i)]
    days = {f"d{d}": [Order(f"{d}:{o.id}", o.lines) for o in day] for d in range(6)}
    start = _random_start(single_block, days)
    for method in ("bootstrap", "oob", "oob632", "half"):
        assert _selection(single_block, days, start, method) == pytest.approx(
            dict.fromkeys(["5 %", "20 %", "full"], 1.0)
        )


def test_unknown_selection_method_is_refused(
    single_block: Layout, drifting: History, start: Slotting
) -> None:
    """A method not listed is an error naming it."""
    days = drifting.window(*PROFILE).orders_by_day()
    with pytest.raises(PickoptError, match="jackknife"):
        _selection(single_block, days, start, "jackknife", draws=1)
