def split_money(amount):
    save = amount * 40 // 100
    share = amount * 10 // 100
    spend = amount - save - share
    return [spend, save, share]


def weeks_to_goal(goal, weekly):
    if weekly <= 0:
        return None
    saved = 0
    weeks = 0
    while saved < goal:
        saved = saved + weekly
        weeks = weeks + 1
    return weeks


def dollars(cents):
    return f"${cents // 100}.{cents % 100:02d}"


money = int(input("How much money did you get (cents)? "))
spend, save, share = split_money(money)
print("Spend:", dollars(spend))
print("Save:", dollars(save))
print("Share:", dollars(share))
