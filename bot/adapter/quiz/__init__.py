"""The live quiz as a channel sees it: the game screen, its pictures, names and topics.

The quiz cog (cogs/quiz.py) posts one message per question and edits it through its
phases; what that message shows, the pictures it attaches, members' names on the
podium and in reports, and topic tags by their display names are laid out here, within
Discord's limits. A change to what players see during a quiz usually touches more than
one of them, and none of them holds commands.
"""
