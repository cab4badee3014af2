"""Every job operation through the generated SDK (typed models, errors, pages), against the in-process app."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

import asteri
from asteri import models
from server_impl.domain.scopes import Role
from server_impl.services import identity
from tests.server.conftest import Harness


class _InProcess(httpx.BaseTransport):
    """Hands the SDK's requests to the app through the test client."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._client.request(
            request.method, str(request.url), headers=dict(request.headers), content=request.read()
        )
        return httpx.Response(answer.status_code, headers=list(answer.headers.multi_items()), content=answer.content)


@pytest.fixture
def sdk(harness: Harness) -> Iterator[tuple[asteri.Asteri, list[str]]]:
    org = harness.organization("SDK Jobs Co")
    _, secret = harness.key(org)
    technicians = []
    for name in ("ana", "bo"):
        user = identity.create_user(harness.context.uow_factory, f"{name}-{org.lower()}@example.com", name)
        identity.add_member(harness.context.uow_factory, org, user.id, Role.MEMBER)
        technicians.append(user.id)
    transport = _InProcess(harness.client)
    with asteri.Asteri(secret, organization_id=org, base_url="http://testserver", transport=transport) as client:
        yield client, technicians


def test_every_job_operation_through_the_sdk(sdk: tuple[asteri.Asteri, list[str]]) -> None:
    client, (ana, bo) = sdk
    customer = client.customers.create(models.CustomerCreate(display_name="Dana Whitfield"))
    service = client.services.create(models.ServiceCreate(name="AC tune-up", unit_price=12900, currency="USD"))
    start = datetime.datetime(2030, 5, 21, 14, tzinfo=datetime.UTC)
    window = models.JobSchedule(window_start=start, window_end=start + datetime.timedelta(hours=2), timezone="UTC")

    job = client.jobs.create(
        models.JobCreate(
            customer_id=customer.id,
            summary="Tune-up",
            line_items=[models.LineItemInput(service_id=service.id, quantity=2, tax_rate_bps=825)],
            tags=["sdk"],
        ),
        idempotency_key="sdk-job-1",
    )
    assert (job.status, job.subtotal, job.tax_total, job.total) == ("unscheduled", 25800, 2129, 27929)
    raw = client.jobs.with_raw_response.get(job.id)
    etag = raw.headers["etag"]
    updated = client.jobs.update(job.id, models.JobUpdate(priority="high"), if_match=etag)
    assert updated.priority == "high"
    with pytest.raises(asteri.PreconditionFailedError):
        client.jobs.update(job.id, models.JobUpdate(summary="Lost"), if_match=etag)

    assert client.jobs.schedule(job.id, window).status == "scheduled"
    assert client.jobs.unschedule(job.id).status == "unscheduled"
    client.jobs.schedule(job.id, window)
    assigned = client.jobs.assign_technicians(job.id, models.JobAssignTechnicians(technician_ids=[ana, bo]))
    assert [item.root for item in assigned.assigned_technician_ids] == [ana, bo]
    left = client.jobs.unassign_technicians(job.id, models.JobUnassignTechnicians(technician_ids=[bo]))
    assert [item.root for item in left.assigned_technician_ids] == [ana]
    assert client.jobs.dispatch(job.id).status == "dispatched"
    assert client.jobs.start(job.id).status == "in_progress"
    assert client.jobs.hold(job.id, models.JobHold(reason="Parts")).hold_reason == "Parts"
    assert client.jobs.resume(job.id).status == "in_progress"
    done = client.jobs.complete(job.id, body=models.JobComplete(completion_notes="Done"))
    assert (done.status, done.completion_notes) == ("completed", "Done")
    with pytest.raises(asteri.ConflictError) as refused:
        client.jobs.cancel(job.id, models.JobCancel(reason="Too late"))
    assert refused.value.code == "invalid_state_transition"
    assert refused.value.problem["allowed_actions"] == ["reopen"]
    assert client.jobs.reopen(job.id, models.JobReopen(reason="Callback")).status == "in_progress"

    other = client.jobs.create(models.JobCreate(customer_id=customer.id, summary="Second"))
    assert client.jobs.cancel(other.id, models.JobCancel(reason="Duplicate")).status == "canceled"
    assert [item.id for item in client.jobs.list(limit=1)] == [other.id, job.id], "pages follow next_cursor"
    assert [item.id for item in client.jobs.list(technician_id=ana)] == [job.id]
    assert [item.id for item in client.jobs.list(status=models.JobStatus.CANCELED)] == [other.id]
    assert [item.id for item in client.jobs.list(tag="sdk", scheduled_after=start)] == [job.id]
    with pytest.raises(asteri.UnprocessableEntityError) as invalid:
        client.jobs.create(models.JobCreate(customer_id="cus_01HWDJ8FSSZ5AWSH8VHTPRE95B", summary="Nobody"))
    assert [error.field for error in invalid.value.errors] == ["/customer_id"]
    with pytest.raises(asteri.NotFoundError):
        client.jobs.get("job_01HWN5SXS5AA819X9YP981068V")
