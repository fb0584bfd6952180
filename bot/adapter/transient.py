"""Which Discord errors may pass if the request is retried.

discord.py already retries 500/502/504 and waits out 429s it is told about;
a 503, a 429 that outlasts its patience, a dropped connection or a timeout
still reach us, and on a round's turnover they must not end a game.
"""

from __future__ import annotations

import aiohttp
import discord


def is_transient_discord(error: BaseException) -> bool:
    if isinstance(error, discord.HTTPException):
        return error.status == 429 or error.status >= 500
    return isinstance(error, aiohttp.ClientConnectionError | TimeoutError)
