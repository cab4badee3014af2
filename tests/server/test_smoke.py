from tests.server.conftest import Harness


def test_create_and_read_a_thing(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    response = harness.client.post("/api/public/v1/_test/things", json={"name": "a"}, headers=harness.headers(org, secret))
    assert response.status_code == 201, response.text
    thing = response.json()
    got = harness.client.get(f"/api/public/v1/_test/things/{thing['id']}", headers=harness.headers(org, secret))
    assert got.status_code == 200, got.text
    assert got.headers["etag"] == response.headers["etag"]
    print(dict(got.headers))
