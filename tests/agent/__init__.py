"""Tests of the agent's core: repository state and changes computed by real git in temporary repositories."""
