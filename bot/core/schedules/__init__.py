"""Schedule math: a server's cron rules in its local time, turned into exact UTC instants.

Moderators think in wall-clock time, the scheduler sleeps until UTC instants, and the
daylight-saving policy between the two must be stated once. That pure crossing is this
feature's domain, apart from the schedule rows and the poller in bot/services/schedules
that rely on it.
"""
