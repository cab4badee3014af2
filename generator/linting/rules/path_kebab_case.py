"""``path-kebab-case``: literal path segments are kebab-case, template names are snake_case."""

from __future__ import annotations

import re
from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.cases import is_kebab, is_snake, to_snake
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join

_TEMPLATE = re.compile(r"\{([^}]*)\}")
_FILE_SUFFIX = re.compile(r"\.(json|ya?ml)$")  # `/openapi.json` is a file name, not a resource


def _problems(path: str) -> Iterator[str]:
    if path != "/" and path.endswith("/"):
        yield f"path `{path}` ends with `/`: drop the trailing slash"
    for segment in path.strip("/").split("/"):
        names = _TEMPLATE.findall(segment)
        if names:
            for name in names:
                if not is_snake(name):
                    yield f"path parameter `{{{name}}}` in `{path}` is not snake_case: rename it `{{{to_snake(name)}}}`"
        elif segment and not is_kebab(_FILE_SUFFIX.sub("", segment)):
            suggestion = to_snake(segment).replace("_", "-")
            yield f"path segment `{segment}` in `{path}` is not kebab-case: rename it `{suggestion}`"


def check(context: LintContext) -> Iterator[Hit]:
    """Flag each bad segment of each path key."""
    paths = context.data.get("paths")
    if not isinstance(paths, dict):
        return
    for path in paths:
        for message in _problems(str(path)):
            yield join("/paths", path), message


RULE = Rule(
    "path-kebab-case",
    Severity.ERROR,
    "Path segments are kebab-case and path parameters snake_case (`/webhook-endpoints/{endpoint_id}`).",
    check,
)
