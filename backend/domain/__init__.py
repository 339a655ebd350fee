"""Pure domain rules: roles and permissions, identities, validation; no I/O here."""
