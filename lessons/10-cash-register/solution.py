COINS = [200, 100, 25, 10, 5, 1]


def change_due(price, paid):
    if paid < price:
        return None
    return paid - price


def make_change(change, coins):
    left = change
    given = []
    for coin in coins:
        while coin <= left:
            given.append(coin)
            left = left - coin
    return given


price = int(input("Price (cents)? "))
paid = int(input("Money paid (cents)? "))
change = change_due(price, paid)
if change is None:
    print("Not enough money!")
else:
    print(f"Change: ${change // 100}.{change % 100:02d}")
    print("Coins:", make_change(change, COINS))
