"""`quizbot run`: database first, then the token, then Discord."""

from __future__ import annotations

import logging
import sys

from bot.app import open_database
from bot.services.bank.bank import sync_shipped_bank
from bot.settings import Settings

log = logging.getLogger(__name__)


async def run_bot(settings: Settings) -> int:
    database = await open_database(settings)
    try:
        await sync_shipped_bank(database.sessions)
        problem = settings.token_problem()
        if problem:
            print(problem, file=sys.stderr)
            return 1
        from bot.adapter.client import serve  # discord is imported only when it is needed

        return await serve(settings, database)
    finally:
        await database.close()
