"""Placeholder handlers for the tags whose issues come later (jobs, estimates, invoices, ...).

The route table must equal the contract, so every operation is served; until a resource exists the
answers are the ones the contract already allows and that are true for a server holding none of it
(ADR 0410): a list is empty (200), an operation on an id is 404 ``not_found`` (no such object can
exist), and any other write is 409 ``conflict`` saying the resource is not available yet. No 501:
the contract does not declare it, and clients and schemathesis would flag it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, get_args, get_type_hints

from pydantic import BaseModel

from server_impl.domain.errors import Conflict, NotFound


def _empty_list(returns: object) -> BaseModel | None:
    """Return an empty page when the operation returns a list (``XList`` or ``XList | Response``)."""
    for model in get_args(returns) or (returns,):
        if (
            isinstance(model, type)
            and issubclass(model, BaseModel)
            and {"data", "has_more"} <= model.model_fields.keys()
        ):
            return model.model_validate({"object": "list", "data": [], "has_more": False, "next_cursor": None})
    return None


class NotYetAvailable:
    """Answers every method of a generated handler Protocol as described in the module docstring."""

    def __init__(self, protocol: type, resource: str) -> None:
        self._protocol = protocol
        self._resource = resource

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self._protocol, name)
        empty = _empty_list(get_type_hints(method).get("return"))
        path_ids = [
            parameter
            for parameter in inspect.signature(method).parameters
            if parameter.endswith("_id") and parameter != "x_organization_id"
        ]
        resource = self._resource

        async def answer(_context: object, **arguments: Any) -> Any:
            if empty is not None:
                return empty
            for parameter in path_ids:
                if arguments.get(parameter) is not None:
                    raise NotFound(parameter.removesuffix("_id"), str(arguments[parameter]))
            raise Conflict(f"{resource} are not available on this server yet; they arrive in a later release.")

        return answer
