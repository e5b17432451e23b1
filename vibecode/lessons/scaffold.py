"""``vibecode lessons new NAME``: a lesson folder to copy from, with a comment on every field."""

from __future__ import annotations

import re
from pathlib import Path

LESSON_TEMPLATE = '''# A vibecode lesson. Every field is explained in the comment above it.
# Check your lesson with:   vibecode lessons check {folder}
# Money is always counted in whole cents: $3.50 is 350. Then rounding never decides a check.

# The name children see in the lesson list.
title = "{title}"
# Which ages it is written for, youngest to oldest.
ages = "9-11"
# The business idea it teaches, in a few words.
concept = "Price and profit"
# The Python ideas a child meets here (shown to the teacher).
python_ideas = ["variables", "functions", "if"]
# One sentence for the lesson list.
summary = "Work out how much a cake stall earns."
# A "make it also..." idea for children who finish early.
extension = "Make it also say which cake made the most money."
# Where to put this lesson in the list (smaller comes first). Optional.
order = 100
# Set allow_files = true if the program should save a file (a "file" check reads it). Optional.
# allow_files = true

# The functions the program must have. The model is told to write exactly these, so the
# checks can call them. Write each one as Python: def name(arguments): and a """description""".
contract = \'\'\'
def earnings(cakes_sold, price):
    """Money taken in cents: cakes sold times the price of one cake (in cents)."""
\'\'\'

# One [[steps]] table per step. A lesson has 3 to 6 steps.
[[steps]]
# The step's name.
title = "Count the money"
# What the child reads. Markdown: **bold**, *slanted*, `code`, lists.
text = """
You sell cakes at the school fair. 🎂

Make a function `earnings(cakes_sold, price)` that gives back the money you took, in cents.
"""
# An idea the child can send to the model to start from.
idea = "Make a function earnings(cakes_sold, price) that returns cakes_sold times price."
# Hints, shown one at a time ("hint 1 of 3"). Start gentle; the last one may nearly give the answer.
hints = [
  "How much money do two cakes bring? And three?",
  "Multiply the number of cakes by the price.",
  "Try: return cakes_sold * price",
]

# Checks. kind = "call" calls a contract function and compares the answer.
[[steps.checks]]
kind = "call"
# The name shown to the child.
name = "a busy day"
function = "earnings"
# Each case: the arguments (in order, or by name) and what should come back.
cases = [
  {{ args = [10, 150], expect = 1500, why = "10 cakes at $1.50" }},
  {{ args = {{ cakes_sold = 0, price = 150 }}, expect = 0 }},
]

# kind = "property" tries many inputs, made with a fixed seed (the same every time).
[[steps.checks]]
kind = "property"
name = "never less than nothing"
function = "earnings"
# How to make each argument: from/to (whole numbers), one_of = [...], list_of, dict_of, or value.
inputs = {{ cakes_sold = {{ from = 0, to = 50 }}, price = {{ from = 50, to = 300 }} }}
trials = 50
seed = 1
# Rules: never_negative, adds_up_to, at_most, at_least, whole_number, one_of, same_as_solution.
never_negative = "result"
same_as_solution = true

# kind = "shape" reads the program: uses = [...] words, not_literals (answers typed in), defines.
[[steps.checks]]
kind = "shape"
defines = ["earnings"]
not_literals = [1500]

[[steps]]
title = "Ask and tell"
text = """
Now ask how many cakes you sold and the price in cents.
Print the money, like `You took $15.00`.
"""
idea = "Ask how many cakes I sold and the price in cents, then print the money I took in dollars."
hints = [
  "Use input() twice, and int() to make numbers.",
  "1500 cents is $15.00: 1500 // 100 is 15, and 1500 % 100 is 0.",
]

# kind = "run" runs the whole program, typing the answers in `input`, and looks for `expect`.
[[steps.checks]]
kind = "run"
name = "ten cakes"
input = ["10", "150"]
expect = ["15.00"]
# Seconds the program may take (optional, 3 if not given).
time_limit = 3

# A file check runs the program like a run check, then reads the file it saved
# (it needs allow_files = true at the top). rows reads the file as CSV, one list per line:
# [[steps.checks]]
# kind = "file"
# input = ["10", "150"]
# file = "sales.csv"
# rows = [["cakes", 10], ["money", 1500]]

# A market-day check runs the business through simulated days and tells its story:
# [[steps.checks]]
# kind = "market"
# market = {{ days = 7, seed = 1, make = 30, price = 50, cost = 20, profit = "profit" }}
# (make/price/signs may be numbers or contract functions of the weather; sold may be a function
#  of weather, price and made; profit a function of made, sold, price and cost.)
'''

SOLUTION_TEMPLATE = '''"""The reference solution: `vibecode lessons check` runs it against every check of the lesson."""


def earnings(cakes_sold, price):
    return cakes_sold * price


sold = int(input("How many cakes did you sell? "))
price = int(input("Price of one cake in cents? "))
money = earnings(sold, price)
print(f"You took ${money // 100}.{money % 100:02d}")
'''


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text or "my-lesson"


def create_lesson(parent: Path, name: str) -> Path:
    """Make ``parent/<slug>/`` with a commented lesson.toml and a solution.py. Never overwrites."""
    folder = Path(parent) / slug(name)
    if folder.exists():
        raise FileExistsError(folder)
    folder.mkdir(parents=True)
    title = name.strip() or "My lesson"
    (folder / "lesson.toml").write_text(
        LESSON_TEMPLATE.format(title=title.replace('"', "'"), folder=folder), encoding="utf-8"
    )
    (folder / "solution.py").write_text(SOLUTION_TEMPLATE, encoding="utf-8")
    return folder
