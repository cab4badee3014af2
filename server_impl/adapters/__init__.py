"""Adapters: the ports implemented with concrete technology (SQLAlchemy, PyJWT, limits)."""
