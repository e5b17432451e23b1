PEOPLE = {"hot": 60, "sunny": 40, "cloudy": 20, "rainy": 5, "stormy": 0}


def customers(weather):
    return PEOPLE.get(weather, 0)


def cups_sold(weather, price, made):
    people = customers(weather)
    if price > 50:
        people = people // 2
    return min(people, made)


def cups_to_make(weather):
    return customers(weather)


for day in ["hot", "sunny", "cloudy", "rainy", "stormy"]:
    print(f"{day}: make {cups_to_make(day)} cups, sell {cups_sold(day, 50, cups_to_make(day))}")
