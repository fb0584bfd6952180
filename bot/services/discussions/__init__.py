"""Discussions: a contested question argued out fairly, with votes before and after.

The bot does not only quiz facts; on questions where honest people disagree it lets a
server vote, write the strongest case for a view they did not pick, and see how minds
moved. The prompts, the voting rules and the result chart change together, so they
share this room.
"""
