"""Market day: simulated days at the stand (weather, customers, prices, stock), seeded.

This module is stdlib-only and self-contained on purpose: its source text is sent into the
sandbox together with the check harness, so the child's functions are called there, never in
the app. The same code also runs in the app's tests, with plain Python functions.
"""

from __future__ import annotations

import random

WEATHERS = ["hot", "sunny", "cloudy", "rainy", "stormy"]
WEATHER_WEIGHTS = [15, 35, 25, 17, 8]
# How many people walk past on such a day, and the most any of them would pay (cents).
BASE_CUSTOMERS = {"hot": 60, "sunny": 40, "cloudy": 22, "rainy": 6, "stormy": 0}
TOP_PRICE = {"hot": 150, "sunny": 110, "cloudy": 80, "rainy": 60, "stormy": 10}
SIGN_PULL = 0.6  # signs can bring up to 60% more people; each extra sign brings half as many as the last


def plan_days(days: int, seed: int) -> list[dict]:
    """The week's weather and customers, fixed by the seed before the child decides anything."""
    rng = random.Random(seed)
    plan = []
    for day in range(days):
        weather = rng.choices(WEATHERS, WEATHER_WEIGHTS)[0]
        plan.append({"day": day + 1, "weather": weather})
    if days >= 5 and not any(d["weather"] in ("rainy", "stormy") for d in plan):
        plan[-2]["weather"] = "rainy"  # a week with no bad day teaches nothing about risk
    if days >= 5 and not any(d["weather"] == "hot" for d in plan):
        plan[1]["weather"] = "hot"
    for entry in plan:
        weather = entry["weather"]
        count = round(BASE_CUSTOMERS[weather] * rng.uniform(0.8, 1.2))
        entry["willing"] = [rng.randint(10, TOP_PRICE[weather]) for _ in range(count)]
        extra = round(BASE_CUSTOMERS[weather] * SIGN_PULL)
        entry["extra"] = [rng.randint(10, TOP_PRICE[weather]) for _ in range(extra)]
    return plan


def _whole(value, what: str, day: dict) -> int:
    """Accept whole numbers (and floats like 30.0); anything else is the child's mistake to explain."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MarketProblem(f"{what} should be a whole number, but it gave {value!r}", day)
    if isinstance(value, float):
        if value != int(value):
            raise MarketProblem(f"{what} should be a whole number, but it gave {value!r}", day)
        value = int(value)
    if value < 0:
        raise MarketProblem(f"{what} gave {value}, which is less than zero", day)
    return value


class MarketProblem(Exception):
    def __init__(self, message: str, day: dict) -> None:
        super().__init__(message)
        self.message = message
        self.day = day.get("day")
        self.weather = day.get("weather")


def simulate(config: dict, call) -> dict:
    """Run the market. ``config`` holds numbers or function names for make/price/signs/sold/profit;
    ``call(name, *args)`` calls the child's function (raising to report a mistake).

    Returns {"days": [...], "problem": None | {...}}. Money is whole cents throughout.
    """
    days = int(config.get("days", 7))
    seed = int(config.get("seed", 1))
    cost = int(config.get("cost", 20))
    sign_cost = int(config.get("sign_cost", 15))
    roles = {role: config.get(role) for role in ("make", "price", "signs", "sold", "profit")}
    defaults = {"make": 30, "price": 50, "signs": 0}
    records: list[dict] = []

    def decide(role: str, day: dict) -> int:
        value = roles[role]
        if isinstance(value, str):
            return _whole(call(value, day["weather"]), f"{value}(\"{day['weather']}\")", day)
        return int(defaults[role] if value is None else value)

    for day in plan_days(days, seed):
        try:
            made = decide("make", day)
            price = decide("price", day)
            signs = decide("signs", day)
            pulled = round(len(day["extra"]) * (1 - 0.5 ** signs)) if signs else 0
            buyers = sum(1 for most in day["willing"] + day["extra"][:pulled] if most >= price)
            sold_role = roles["sold"]
            if isinstance(sold_role, str) and sold_role != "customers":
                sold = _whole(call(sold_role, day["weather"], price, made), f"{sold_role}(\"{day['weather']}\", {price}, {made})", day)
                if sold > made:
                    raise MarketProblem(f"{sold_role} says {sold} cups were sold, but only {made} were made", day)
                turned_away = 0
            else:
                sold = min(made, buyers)
                turned_away = max(0, buyers - made)
            spent = made * cost + signs * sign_cost
            took = sold * price
            record = {
                "day": day["day"], "weather": day["weather"], "made": made, "price": price, "signs": signs,
                "sold": sold, "walked_by": len(day["willing"]) + pulled, "turned_away": turned_away,
                "spent": spent, "took": took, "profit": took - spent, "kid_profit": None,
            }
            if isinstance(roles["profit"], str):
                said = call(roles["profit"], made, sold, price, cost)
                if isinstance(said, bool) or not isinstance(said, (int, float)):
                    raise MarketProblem(f"{roles['profit']}({made}, {sold}, {price}, {cost}) gave {said!r}, not a number", day)
                record["kid_profit"] = said
            records.append(record)
        except MarketProblem as problem:
            return {"days": records, "problem": {"day": problem.day, "weather": problem.weather, "message": problem.message}}
        except Exception as exc:  # the child's function made a mistake; the caller worded it
            message = getattr(exc, "friendly", None) or f"{type(exc).__name__}: {exc}"
            return {"days": records, "problem": {"day": day["day"], "weather": day["weather"], "message": message}}
    return {"days": records, "problem": None}
