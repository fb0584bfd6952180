"""Running the bot for real: backups, health and metrics, JSON logs, shutdown.

Nothing here imports discord: the adapter hands in what it knows (whether the
gateway is up, what the HTTP session saw) through small hooks.
"""
