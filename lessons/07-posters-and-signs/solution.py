def extra_customers(signs):
    total = 0
    bring = 16
    for _ in range(signs):
        total = total + bring
        bring = bring // 2
    return total


def day_profit(signs, customers, price, cost, sign_cost):
    people = customers + extra_customers(signs)
    return people * (price - cost) - signs * sign_cost


def best_signs(customers, price, cost, sign_cost):
    best = 0
    best_profit = day_profit(0, customers, price, cost, sign_cost)
    for signs in range(1, 11):
        profit = day_profit(signs, customers, price, cost, sign_cost)
        if profit > best_profit:
            best = signs
            best_profit = profit
    return best


def signs_for(weather):
    if weather in ("hot", "sunny"):
        return 3
    if weather == "cloudy":
        return 1
    return 0


print("Best number of signs on a normal day:", best_signs(20, 50, 20, 15))
