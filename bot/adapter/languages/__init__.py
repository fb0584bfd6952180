"""Speaking each member's language on Discord: per interaction, and in the commands.

An interaction is answered in the member's Discord language where the bot speaks it,
public messages in the server's; slash commands carry their names and descriptions in
every language when they are synced, and the catalog collects exactly the strings that
sync sends. Choosing the language, translating the commands and extracting their
strings share Discord's locales and the catalog's contexts, so they change together.
"""
