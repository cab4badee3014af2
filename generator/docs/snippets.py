"""Request examples generated from the spec's examples: a curl command and the same call with the SDK."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

__all__ = ["CallExample", "curl_snippet", "sdk_snippet"]

_SKIPPED_HEADERS = {"x-organization-id"}  # shown once, from the client's configuration
_SAMPLE_FILE = "condenser-before.jpg"


class _Code(str):
    """A Python expression to print as is (not as a string literal)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class CallExample:
    """Values for one example call: parameters by location and the request body."""

    method: str
    path: str
    server_url: str
    path_params: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    body: Any
    sdk_method: str | None
    body_schema: str | None
    is_list: bool
    returns_body: bool
    media_type: str = "application/json"
    binary_fields: tuple[str, ...] = ()


def _fill_path(path: str, values: dict[str, Any]) -> str:
    return re.sub(r"\{([^{}]+)\}", lambda m: str(values.get(m.group(1), m.group(0))), path)


def curl_snippet(call: CallExample) -> str:
    """A copy-pasteable curl command (the key and organization come from environment variables)."""
    url = call.server_url.rstrip("/") + _fill_path(call.path, call.path_params)
    if call.query:
        url += "?" + "&".join(f"{k}={_scalar(v)}" for k, v in call.query.items())
    lines = [
        f"curl -X {call.method.upper()} {shlex.quote(url)}",
        '-H "x-api-key: $ASTERI_API_KEY"',
        '-H "x-organization-id: $ASTERI_ORGANIZATION_ID"',
    ]
    lines += [
        f"-H {shlex.quote(f'{name}: {_scalar(value)}')}"
        for name, value in call.headers.items()
        if name.lower() not in _SKIPPED_HEADERS
    ]
    if call.body is not None and call.media_type == "multipart/form-data" and isinstance(call.body, dict):
        for name, value in call.body.items():
            part = f"{name}=@{_SAMPLE_FILE}" if name in call.binary_fields else f"{name}={_scalar(value)}"
            lines.append(f"-F {shlex.quote(part)}")
    elif call.body is not None:
        lines.append(f'-H "Content-Type: {call.media_type}"')
        lines.append("-d " + shlex.quote(json.dumps(call.body, indent=2, ensure_ascii=False)))
    return " \\\n  ".join(lines)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _py(value: Any, indent: int) -> str:
    """A Python literal for a JSON value, indented for a call argument."""
    if isinstance(value, dict) and value:
        pad = " " * (indent + 4)
        items = ",\n".join(f"{pad}{json.dumps(k)}: {_py(v, indent + 4)}" for k, v in value.items())
        return "{\n" + items + ",\n" + " " * indent + "}"
    if isinstance(value, list) and value:
        pad = " " * (indent + 4)
        return "[\n" + ",\n".join(f"{pad}{_py(v, indent + 4)}" for v in value) + ",\n" + " " * indent + "]"
    if isinstance(value, _Code):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value) if not isinstance(value, dict | list) else ("{}" if isinstance(value, dict) else "[]")


def _kwarg(name: str) -> str:
    return re.sub(r"[^0-9a-zA-Z_]", "_", name).lower()


def sdk_snippet(call: CallExample) -> str | None:
    """The same call with the Python SDK (``client.<x-sdk-method>(...)``), or ``None`` without ``x-sdk-method``."""
    if not call.sdk_method:
        return None
    args: list[str] = [_py(value, 4) for value in call.path_params.values()]
    if call.body is not None:
        if isinstance(call.body, dict) and call.body_schema:
            values = {
                k: _Code(f'open("{_SAMPLE_FILE}", "rb").read()') if k in call.binary_fields else v
                for k, v in call.body.items()
            }
            fields = "".join(f"\n        {_kwarg(k)}={_py(v, 8)}," for k, v in values.items())
            args.append(f"body=models.{call.body_schema}({fields}\n    )")
        else:
            args.append(f"body={_py(call.body, 4)}")
    args += [f"{_kwarg(k)}={_py(v, 4)}" for k, v in call.query.items()]
    args += [f"{_kwarg(k)}={_py(v, 4)}" for k, v in call.headers.items() if k.lower() not in _SKIPPED_HEADERS]
    joined = "".join(f"\n    {arg}," for arg in args)
    invocation = f"client.{call.sdk_method}({joined}\n)" if args else f"client.{call.sdk_method}()"
    imports = "from asteri import Asteri, models" if "models." in invocation else "from asteri import Asteri"
    head = f"{imports}\n\nclient = Asteri()  # reads ASTERI_API_KEY and ASTERI_ORGANIZATION_ID\n"
    if call.is_list:
        body = f"for item in {invocation}:\n    print(item.id)"
    elif call.returns_body:
        body = f"result = {invocation}\nprint(result)"
    else:
        body = invocation
    return f"{head}{body}"
