"""``create-returns-201``: a create (POST on a collection) answers 201 with a ``Location`` header.

A create is a POST on a path that also has a list operation (``GET`` whose 200 body has an
array ``data``), or any POST that declares a 201. Action endpoints such as
``POST /jobs/{job_id}/complete`` are neither and may answer 200.
"""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join


def check(context: LintContext) -> Iterator[Hit]:
    """Flag creates without 201, and 201s without ``Location``.

    A create is a POST on a path that has a list operation, or any POST that declares 201.
    """
    collections = context.list_paths
    for op in context.operations:
        responses = op.node.get("responses")
        if op.method != "post" or not isinstance(responses, dict):
            continue
        keys = {str(key) for key in responses}
        if "201" not in keys:
            if op.path in collections:
                yield (
                    join(op.pointer, "responses"),
                    (
                        f"{op.label} creates a resource but does not answer 201: "
                        "document `'201'` with the created object and a "
                        "`Location` header"
                    ),
                )
            continue
        response, where = context.deref(responses.get("201", responses.get(201)), join(op.pointer, "responses", "201"))
        headers = response.get("headers") if isinstance(response, dict) else None
        names = {str(name).lower() for name in headers} if isinstance(headers, dict) else set()
        if isinstance(response, dict) and "location" not in names:
            yield (
                where,
                (
                    f"the 201 response of {op.label} has no `Location` header: add "
                    "`headers: {Location: {$ref: '#/components/headers/Location'}}`"
                ),
            )


RULE = Rule(
    "create-returns-201",
    Severity.WARNING,
    "A create (POST on a collection) answers 201 with a `Location` header.",
    check,
)
