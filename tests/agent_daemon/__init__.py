"""Tests of the agent daemon, its local socket and its command line, against a real backend."""
