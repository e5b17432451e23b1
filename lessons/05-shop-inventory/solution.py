def sell(stock, item, count):
    if stock.get(item, 0) >= count:
        stock[item] = stock[item] - count
        return True
    return False


def restock(stock, item, count):
    stock[item] = stock.get(item, 0) + count


def low_stock(stock, limit):
    low = []
    for item in stock:
        if stock[item] < limit:
            low.append(item)
    return sorted(low)


shop = {"apples": 20, "pears": 10, "buns": 5}
for item, count in [("apples", 3), ("buns", 6), ("buns", 4)]:
    if sell(shop, item, count):
        print(f"Sold {count} {item}.")
    else:
        print(f"Sorry, not enough {item}.")
print("Order more:", ", ".join(low_stock(shop, 5)) or "nothing")
restock(shop, "buns", 12)
print(shop)
