"""Discussions' pure rules: when the opening and final votes are open, and what they show.

A discussion is fair only if everyone votes within the same windows and its result
describes how minds moved without naming a winner. Those rules are the feature's domain,
kept apart from the votes' storage and the Discord screens that use them, under the
same feature name as the service that stores them (bot/services/discussions).
"""
