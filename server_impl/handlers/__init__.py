"""Handlers: the generated ``<Tag>Handlers`` Protocols implemented over the use cases (DTO <-> domain here only)."""
