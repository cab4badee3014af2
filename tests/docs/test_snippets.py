"""The curl and SDK examples are generated from the spec's examples and are valid shell and Python."""

from __future__ import annotations

import ast
import json
import shlex

import pytest

from generator.docs import build_view
from generator.docs.snippets import CallExample, curl_snippet, sdk_snippet


@pytest.fixture(scope="module")
def api(spec_data):
    return build_view(spec_data)


def test_every_curl_example_is_one_valid_shell_command(api):
    for op in api.operations:
        words = shlex.split(op.curl.replace("\\\n", " "))
        assert words[:3] == ["curl", "-X", op.method], op.operation_id
        url = words[3]
        assert url.startswith(api.server_url + api.base_path), url
        assert "{" not in url.split("?")[0], (op.operation_id, url)  # every path parameter filled
        assert "x-organization-id: $ASTERI_ORGANIZATION_ID" in words
        if "-d" in words:
            json.loads(words[words.index("-d") + 1])


def test_every_sdk_example_parses_and_calls_the_x_sdk_method(api, spec_data):
    for op in api.operations:
        assert op.sdk is not None, op.operation_id
        tree = ast.parse(op.sdk)
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
        names = {ast.unparse(call.func) for call in calls}
        assert f"client.{op.sdk_method}" in names, (op.operation_id, names)


def test_refund_example_uses_the_spec_examples(api):
    op = api.operation("createPaymentRefund")
    assert '"reason": "service_issue"' in op.curl
    assert "Idempotency-Key: 5f0c1a8e-2b7d-4c55-9d0e-8a7b6c5d4e3f" in op.curl
    assert "client.payments.refunds.create(" in op.sdk
    assert "models.RefundCreate(" in op.sdk
    assert 'reason="service_issue"' in op.sdk
    assert 'idempotency_key="5f0c1a8e-2b7d-4c55-9d0e-8a7b6c5d4e3f"' in op.sdk


def test_sdk_snippet_without_sdk_method_is_none():
    call = CallExample(
        method="get",
        path="/x",
        server_url="http://h",
        path_params={},
        query={},
        headers={},
        body=None,
        sdk_method=None,
        body_schema=None,
        is_list=False,
        returns_body=True,
    )
    assert sdk_snippet(call) is None
    assert curl_snippet(call).startswith("curl -X GET http://h/x")


def test_multipart_upload_uses_form_fields():
    call = CallExample(
        method="post",
        path="/files",
        server_url="http://h",
        path_params={},
        query={},
        headers={},
        body={"file": "(binary)", "purpose": "photo"},
        sdk_method="files.upload",
        body_schema="FileUpload",
        is_list=False,
        returns_body=True,
        media_type="multipart/form-data",
        binary_fields=("file",),
    )
    assert "-F file=@" in curl_snippet(call)
    assert "-F purpose=photo" in curl_snippet(call)
    assert 'file=open("' in (sdk_snippet(call) or "")
