"""The question bank's own rules: the one item schema and everything that reads items in.

A question comes from the shipped YAML files or from a moderator's upload in one of six
formats, and every path validates it through the same item models and the content
guide's language rules. The schema, the bank file loader, its counts and the upload
parsers change together when an item gains a field or a rule, so they share this room;
all of it is pure domain, the loader and the counts' command line only reading and
writing the files they are pointed at.
"""
