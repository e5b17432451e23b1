def totals(ledger):
    money_in = 0
    money_out = 0
    for entry in ledger:
        if entry["kind"] == "in":
            money_in = money_in + entry["amount"]
        else:
            money_out = money_out + entry["amount"]
    return [money_in, money_out]


def net(ledger):
    money_in, money_out = totals(ledger)
    return money_in - money_out


def best_day(ledger):
    per_day = {}
    for entry in ledger:
        sign = 1 if entry["kind"] == "in" else -1
        per_day[entry["day"]] = per_day.get(entry["day"], 0) + sign * entry["amount"]
    best = None
    for day in per_day:
        if best is None or per_day[day] > per_day[best]:
            best = day
    return best


def dollars(cents):
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}${cents // 100}.{cents % 100:02d}"


ledger = []
while True:
    line = input("Entry like 'Mon in 500' (empty line to finish): ").strip()
    if line == "":
        break
    day, kind, amount = line.split()
    ledger.append({"day": day, "kind": kind, "amount": int(amount)})
with open("report.csv", "w") as f:
    for entry in ledger:
        f.write(f"{entry['day']},{entry['kind']},{entry['amount']}\n")
money_in, money_out = totals(ledger)
print("Money in: ", dollars(money_in))
print("Money out:", dollars(money_out))
print("Net:      ", dollars(net(ledger)))
print("Best day: ", best_day(ledger))
