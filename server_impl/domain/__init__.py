"""The server's core: entities, value objects and domain errors (standard library only)."""
