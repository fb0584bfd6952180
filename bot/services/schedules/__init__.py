"""Quizzes and questions of the day that run on their own, at a server's local times.

A server should not need a moderator at the keyboard for a daily question or a weekly
quiz. The schedule rows, the poller that fires them exactly once across processes, and
the question of the day with its streaks are kept together because they share the same
clock, time zones and once-only claims.
"""
