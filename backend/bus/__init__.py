"""Event bus implementations: in-process for the embedded mode, Redis pub/sub for scale-out."""
