"""Renderers of reports (text for people, JSON for machines); the CLI picks one."""
