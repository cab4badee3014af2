"""Dataclasses as plain dicts, like :func:`dataclasses.asdict` but without copying immutable values."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import decimal
import enum
import functools
from typing import Any

_IMMUTABLE = (str, int, float, bool, bytes, type(None), datetime.date, datetime.time, decimal.Decimal, enum.Enum)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(item.name for item in dataclasses.fields(cls))


def _plain(value: Any) -> Any:
    if isinstance(value, _IMMUTABLE):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    if type(value) in (list, tuple):
        return type(value)(_plain(item) for item in value)
    if type(value) is dict:
        return {_plain(key): _plain(item) for key, item in value.items()}
    return copy.deepcopy(value)  # anything else as asdict treats it


def plain_fields(instance: object) -> dict[str, Any]:
    """Return a dataclass instance's fields as a dict, nested dataclasses as dicts, recursively.

    The result equals :func:`dataclasses.asdict`'s: lists, tuples and dicts are rebuilt (a change to
    the instance never shows in the result) and other mutable values are deep-copied. Strings,
    numbers, datetimes, enums and the like are shared instead of passed through ``copy.deepcopy``,
    which made ``asdict`` a tenth of a customer create's CPU (a snapshot for the audit event and
    one for the outbox event).

    Raises:
        TypeError: ``instance`` is not a dataclass instance.
    """
    if not dataclasses.is_dataclass(instance) or isinstance(instance, type):
        raise TypeError("plain_fields() takes a dataclass instance")
    return {name: _plain(getattr(instance, name)) for name in _field_names(type(instance))}
