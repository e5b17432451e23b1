def profit(made, sold, price, cost):
    """Money taken minus money spent, in cents."""
    return sold * price - made * cost


def dollars(cents):
    return f"${abs(cents) // 100}.{abs(cents) % 100:02d}"


made = int(input("How many cups did you make? "))
sold = int(input("How many did you sell? "))
price = int(input("Price of one cup (cents)? "))
cost = int(input("Cost of one cup (cents)? "))
p = profit(made, sold, price, cost)
if p < 0:
    print(f"You made a loss of {dollars(p)}")
else:
    print(f"Profit: {dollars(p)}")
