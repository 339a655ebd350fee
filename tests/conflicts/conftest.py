"""Fixtures for the conflict engine's tests: one scratch git repository as the oracle for the whole run."""

from __future__ import annotations

import pytest

from tests.conflicts.gitoracle import GitOracle


@pytest.fixture(scope="session")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> GitOracle:
    return GitOracle(tmp_path_factory.mktemp("git-oracle"))
