"""Playing questions: live quizzes in a channel, practice alone, and what they leave behind.

A quiz is the bot's main way to teach, so its rules, the task that paces it, the fast
click path, round scoring, the reports moderators download, the leaderboards its scores
feed and solo practice live together: a change to how a round is played, scored or
counted usually touches more than one of them, and never needs Discord.
"""
