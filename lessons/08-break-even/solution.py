def total_cost(bracelets, fixed, unit):
    return fixed + bracelets * unit


def break_even(fixed, unit, price):
    if price <= unit:
        return None
    n = 0
    while n * price < total_cost(n, fixed, unit):
        n = n + 1
    return n


fixed = int(input("What did the kit cost (cents)? "))
unit = int(input("What does one bracelet cost to make (cents)? "))
price = int(input("What price do you sell one for (cents)? "))
n = break_even(fixed, unit, price)
if n is None:
    print("You can never break even at that price.")
else:
    print(f"Sell {n} bracelets to break even.")
