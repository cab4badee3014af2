"""``plain_fields`` gives what ``dataclasses.asdict`` gives, without sharing anything mutable."""

from __future__ import annotations

import dataclasses
import datetime
import enum

import pytest

from server_impl.domain.plain import plain_fields


class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Leaf:
    name: str
    seen: datetime.datetime
    colour: Colour


@dataclasses.dataclass
class Tree:
    leaves: tuple[Leaf, ...]
    names: list[str]
    meta: dict[str, list[int]]
    marks: set[int]
    parent: Leaf | None = None
    count: int = 0


def _tree() -> Tree:
    leaf = Leaf("a", datetime.datetime(2026, 11, 28, tzinfo=datetime.UTC), Colour.RED)
    return Tree((leaf, leaf), ["x"], {"k": [1, 2]}, {3}, parent=leaf, count=2)


def test_the_result_equals_asdict_and_keeps_the_container_types() -> None:
    tree = _tree()
    result = plain_fields(tree)
    assert result == dataclasses.asdict(tree)
    assert type(result["leaves"]) is tuple
    assert type(result["names"]) is list
    assert result["parent"] == {"name": "a", "seen": tree.parent.seen if tree.parent else None, "colour": Colour.RED}


def test_changing_the_instance_afterwards_never_shows_in_the_result() -> None:
    tree = _tree()
    result = plain_fields(tree)
    tree.names.append("y")
    tree.meta["k"].append(3)
    tree.marks.add(4)
    assert result["names"] == ["x"]
    assert result["meta"] == {"k": [1, 2]}
    assert result["marks"] == {3}


def test_only_dataclass_instances_are_taken() -> None:
    with pytest.raises(TypeError):
        plain_fields(Tree)
    with pytest.raises(TypeError):
        plain_fields({"a": 1})
