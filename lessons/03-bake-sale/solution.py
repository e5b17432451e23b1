def batch_cost(recipe, prices):
    total = 0
    for thing in recipe:
        total = total + recipe[thing] * prices[thing]
    return total


def cost_per_cookie(recipe, prices, cookies):
    cost = batch_cost(recipe, prices)
    return -(-cost // cookies)


def batches_needed(cookies_wanted, per_batch):
    return -(-cookies_wanted // per_batch)


recipe = {"flour": 2, "sugar": 1, "butter": 1, "eggs": 2}
prices = {"flour": 90, "sugar": 120, "butter": 250, "eggs": 30}
print("One batch costs", batch_cost(recipe, prices), "cents")
print("One cookie costs", cost_per_cookie(recipe, prices, 24), "cents")
print("For 100 cookies bake", batches_needed(100, 24), "batches")
