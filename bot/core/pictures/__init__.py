"""The pictures' data: the schema of the shipped pictures the bot draws from its own bank.

A picture shows figures and dates that must cite their sources and show only items the
bank has, in every language, just as an item must. Checking that is pure and apart from
the (slow) drawing, so the schema lives here, and the loading and drawing in
bot/services/pictures.
"""
