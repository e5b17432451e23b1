"""Turn a market-day simulation into a short profit-and-loss story with advice and a text chart.

Market day is reported as a story, not a red/green list: "On the rainy day you made 30 cups and
sold 0 — you lost $6.00", then a bar per day, then one or two pieces of advice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WEATHER_SIGN = {"hot": "☀☀", "sunny": "☀ ", "cloudy": "☁ ", "rainy": "☂ ", "stormy": "☈ "}
BAR_WIDTH = 18


def money(cents: int | float) -> str:
    """Whole cents as dollars: 350 -> "$3.50", -600 -> "-$6.00"."""
    cents = int(round(cents))
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}${cents // 100}.{cents % 100:02d}"


@dataclass
class MarketReport:
    passed: bool
    story: str  # sentences + chart, for a monospace box
    advice: list[str] = field(default_factory=list)
    total_profit: int = 0
    problem: str = ""


def chart(days: list[dict]) -> str:
    """One bar per day: █ for profit, ░ for loss, scaled to the biggest day."""
    biggest = max((abs(d["profit"]) for d in days), default=0) or 1
    lines = []
    for d in days:
        length = round(abs(d["profit"]) / biggest * BAR_WIDTH)
        if d["profit"] != 0:
            length = max(length, 1)
        bar = ("█" if d["profit"] >= 0 else "░") * length
        sign = WEATHER_SIGN.get(d["weather"], "  ")
        lines.append(f"Day {d['day']:<2} {sign} {d['weather']:<6} {bar:<{BAR_WIDTH}} {money(d['profit']):>8}")
    return "\n".join(lines)


def describe(result: dict, config: dict) -> MarketReport:
    """The story of a simulated week; ``passed`` when nothing went wrong and the goal was reached."""
    days: list[dict] = result.get("days", [])
    problem = result.get("problem")
    sentences: list[str] = []
    advice: list[str] = []
    unit = "cups"
    losses = sorted((d for d in days if d["profit"] < 0), key=lambda d: d["profit"])[:2]
    for d in sorted(losses, key=lambda d: d["day"]):
        if d["sold"] == 0 and d["made"] > 0:
            sentences.append(
                f"On the {d['weather']} day (day {d['day']}) you made {d['made']} {unit} and sold 0 — "
                f"you lost {money(-d['profit'])}."
            )
        elif d["profit"] < 0:
            sentences.append(
                f"On day {d['day']} ({d['weather']}) you sold {d['sold']} of {d['made']} {unit} at "
                f"{money(d['price'])} — you lost {money(-d['profit'])}."
            )
    if days:
        best = max(days, key=lambda d: d["profit"])
        if best["profit"] > 0:
            sentences.append(
                f"Your best day was day {best['day']} ({best['weather']}): you sold {best['sold']} at "
                f"{money(best['price'])} and made {money(best['profit'])}."
            )
        away = [d for d in days if d["turned_away"] > 0]
        if away:
            worst = max(away, key=lambda d: d["turned_away"])
            sentences.append(
                f"On day {worst['day']} ({worst['weather']}) you sold out and {worst['turned_away']} more "
                f"{'person' if worst['turned_away'] == 1 else 'people'} wanted one."
            )
    total_took = sum(d["took"] for d in days)
    total_spent = sum(d["spent"] for d in days)
    total = total_took - total_spent
    passed = problem is None and len(days) > 0
    mismatches = [d for d in days if d.get("kid_profit") is not None and d["kid_profit"] != d["took"] - d["made"] * int(config.get("cost", 20))]
    if mismatches:
        d = mismatches[0]
        truth = d["took"] - d["made"] * int(config.get("cost", 20))
        said = d["kid_profit"]
        said_text = money(said) if isinstance(said, int) or float(said).is_integer() else f"{said} (not whole cents)"
        mismatch = (
            f"On day {d['day']} your {config.get('profit')} function said {said_text}, "
            f"but the cash box says {money(truth)} ({d['sold']} sold × {money(d['price'])} minus "
            f"{d['made']} made × {money(config.get('cost', 20))})."
        )
        advice.append("Check your profit sum: money taken (sold × price) minus money spent (made × cost), in cents.")
        passed = False
    if problem:
        sentences.append(f"On day {problem['day']} ({problem['weather']}) the market had to stop: {problem['message']}.")
        advice.append("Fix that, then check again — market day will run the whole week.")
    if days and not problem:
        word = "profit" if total >= 0 else "loss"
        sentences.append(
            f"In {len(days)} days you took {money(total_took)} and spent {money(total_spent)}, "
            f"so your {word} was {money(abs(total))}."
        )
    goal = config.get("goal")
    if goal is not None and days and not problem and total < int(goal):
        passed = False
        advice.append(f"The goal for this week is a profit of at least {money(int(goal))}.")
    _advise(days, advice, config)
    story = " ".join(sentences)
    if days:
        story += "\n\n" + chart(days)
    problem_text = f"On day {problem['day']} the market had to stop: {problem['message']}." if problem else ""
    if mismatches and not problem_text:
        problem_text = mismatch
    elif goal is not None and not passed and not problem_text:
        problem_text = f"Your week's profit was {money(total)}, but the goal is {money(int(goal))}."
    return MarketReport(passed=passed, story=story, advice=advice, total_profit=total, problem=problem_text)


def _advise(days: list[dict], advice: list[str], config: dict) -> None:
    """One or two tips drawn from what happened, like a friendly shop owner would give.

    Only about what the child decides: no "make fewer cups" when the lesson fixed the cups.
    """
    decides_cups = isinstance(config.get("make"), str)
    decides_price = isinstance(config.get("price"), str)
    bad = [d for d in days if d["weather"] in ("rainy", "stormy")]
    wasted = sum(d["made"] - d["sold"] for d in bad)
    if decides_cups and bad and wasted > 5:
        advice.append("On rainy or stormy days few people come. Making fewer cups then saves money.")
    good = [d for d in days if d["weather"] in ("hot", "sunny")]
    if any(d["turned_away"] > 3 for d in good):
        if decides_price:
            advice.append("On hot and sunny days you sold out. A higher price could earn more from the same cups.")
        elif decides_cups:
            advice.append("On hot and sunny days you ran out. Making more cups could earn more.")
    leftover = sum(d["made"] - d["sold"] for d in good)
    if decides_price and good and leftover > 10 * len(good):
        advice.append("On sunny days many cups were left over. Maybe your price is too high for those days.")
    if decides_price and bad and wasted > 5:
        advice.append("On rainy days a lower price may sell a few more cups.")
    if isinstance(config.get("signs"), str):
        costly = [d for d in days if d["signs"] and d["weather"] in ("rainy", "stormy")]
        if costly:
            advice.append("Signs on rainy days cost money but bring few people. Try no signs when it rains.")
    if len(advice) > 3:
        del advice[3:]
