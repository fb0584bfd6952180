"""Pictures the bot draws itself: the bank's sourced pictures and the end-of-quiz podium.

A picture can show what a sentence cannot, and one the bot draws carries its sources and
speaks the server's language. Drawing is slow and blocks, so it runs apart from the event
loop; keeping what is drawn and how it is kept off the loop in one place keeps that cost
where it can be seen.
"""
