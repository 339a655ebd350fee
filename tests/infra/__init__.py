"""Tests of the plumbing: test services, bus, counters, migrations, CLI, logs, probes, deployment files."""
