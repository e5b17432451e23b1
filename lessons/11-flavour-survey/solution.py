def tally(votes):
    counts = {}
    for vote in votes:
        counts[vote] = counts.get(vote, 0) + 1
    return counts


def top_flavour(votes):
    counts = tally(votes)
    best = None
    for flavour in sorted(counts):
        if best is None or counts[flavour] > counts[best]:
            best = flavour
    return best


def bar(count):
    return "#" * count


votes = []
while True:
    vote = input("Your favourite flavour (empty line to finish)? ").strip()
    if vote == "":
        break
    votes.append(vote)
for flavour, count in tally(votes).items():
    print(f"{flavour:<10} {bar(count)}")
print("Winner:", top_flavour(votes))
