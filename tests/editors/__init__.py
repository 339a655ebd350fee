"""Tests of the editor clients: the VS Code extension's own checks, and Neovim against a real backend."""
