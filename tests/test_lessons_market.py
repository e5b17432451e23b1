"""Market day: seeded, so the same seed always tells the same story; the story is in words."""

from __future__ import annotations

from vibecode.lessons.market import chart, describe, money
from vibecode.lessons.market_sim import plan_days, simulate


def week(seed: int, make=30, price=50, profit=None):
    functions = {"make": make, "price": price}
    config = {"days": 7, "seed": seed, "cost": 20, **{k: v for k, v in functions.items() if not callable(v)}}
    calls = {}
    for role, value in functions.items():
        if callable(value):
            config[role] = role
            calls[role] = value
    if profit:
        config["profit"] = "profit"
        calls["profit"] = profit
    return simulate(config, lambda name, *args: calls[name](*args)), config


def test_same_seed_same_week_and_story():
    first, config = week(7, make=lambda weather: 40 if weather == "hot" else 20)
    second, _ = week(7, make=lambda weather: 40 if weather == "hot" else 20)
    assert first == second
    assert describe(first, config).story == describe(second, config).story
    other, _ = week(8, make=lambda weather: 40 if weather == "hot" else 20)
    assert [d["weather"] for d in other["days"]] != [d["weather"] for d in first["days"]] or other != first


def test_a_week_always_has_a_bad_day_and_a_hot_day():
    for seed in range(30):
        weathers = [d["weather"] for d in plan_days(7, seed)]
        assert {"rainy", "stormy"} & set(weathers)
        assert "hot" in weathers


def test_money_is_counted_in_whole_cents():
    result, config = week(3)
    for day in result["days"]:
        assert day["profit"] == day["sold"] * day["price"] - day["made"] * 20
        assert day["sold"] <= day["made"]
    assert money(350) == "$3.50" and money(-600) == "-$6.00" and money(5) == "$0.05"


def test_story_names_the_rainy_day_loss_and_draws_bars():
    result, config = week(5, make=30)
    rainy = [d for d in result["days"] if d["weather"] == "stormy" or d["sold"] == 0]
    report = describe(result, config)
    assert "In 7 days you took" in report.story
    if rainy:
        assert f"you made 30 cups and sold 0 — you lost {money(600)}" in report.story
    drawn = chart(result["days"])
    assert drawn.count("\n") == 6 and ("█" in drawn or "░" in drawn)


def test_wrong_profit_function_is_caught_by_the_cash_box():
    result, config = week(3, profit=lambda made, sold, price, cost: sold * price)
    report = describe(result, config)
    assert not report.passed
    assert "the cash box says" in report.problem


def test_goal_not_reached():
    result, config = week(3, make=200)
    config["goal"] = 100
    report = describe(result, config)
    assert not report.passed and "goal" in report.problem


def test_child_mistake_stops_the_market_kindly():
    def make(weather):
        if weather == "rainy":
            raise ValueError("oops")
        return 10

    result, config = week(3, make=make)
    report = describe(result, config)
    assert not report.passed
    assert result["problem"]["weather"] == "rainy"
    assert "market had to stop" in report.story
