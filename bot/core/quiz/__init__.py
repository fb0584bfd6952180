"""The rules of play: whether an answer is right, what it is worth, and when to ask again.

A click on the fast path and an answer on the database path must agree on what it is
worth, and a typed answer must count the same in a quiz and in practice. So the one
judge, the typed-answer matching it and practice call, the points, streaks and
rankings, and the spaced-repetition rule practice draws by are kept side by side: a
change to how an answer counts is made here once, as pure arithmetic that needs no
clock, database or Discord.
"""
