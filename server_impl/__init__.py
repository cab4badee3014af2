"""Asteri's public API server: the FastAPI application implementing the generated contract."""
