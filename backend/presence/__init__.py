"""Presence: who of a project is online, idle, away or offline, on which branch and in which file."""
