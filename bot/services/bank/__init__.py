"""The question bank: every question a server can draw, where it comes from, and who may change it.

Questions arrive from the shipped YAML bank, from moderators' uploads and from the
/questions forms, and are read back by every draw. Loading, importing, editing, listing
and drawing share one idea of an item (its stable id, its scope, its content hash), so
they are kept side by side, where a change to that idea is made once.
"""
