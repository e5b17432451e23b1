def payment(weekly_profit, share):
    return weekly_profit * share // 100


def repay(loan, weekly_profit, share):
    weekly = payment(weekly_profit, share)
    if weekly <= 0 and loan > 0:
        return None
    owed = loan
    payments = []
    while owed > 0:
        paid = min(weekly, owed)
        payments.append(paid)
        owed = owed - paid
    return payments


plan = repay(2000, 800, 50)
if plan is None:
    print("You can't pay Grandma back like this.")
else:
    print(f"Grandma is paid back in {len(plan)} weeks: {plan}")
