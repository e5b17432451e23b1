def takings(prices, demand):
    return [p * d for p, d in zip(prices, demand)]


def best_price(prices, demand):
    best = None
    best_money = -1
    for price, money in zip(prices, takings(prices, demand)):
        if money > best_money or (money == best_money and price < best):
            best = price
            best_money = money
    return best


def choose_price(weather):
    return {"hot": 80, "sunny": 60, "cloudy": 40, "rainy": 30, "stormy": 20}.get(weather, 50)


prices = [30, 50, 70, 100]
demand = [40, 30, 20, 8]
print("Money at each price:", takings(prices, demand))
print("Best price:", best_price(prices, demand), "cents")
