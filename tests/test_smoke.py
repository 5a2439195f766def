from fastapi.testclient import TestClient

from tests.support.tenants import Tenant


def test_create_then_get(api: TestClient, tenant: Tenant) -> None:
    created = api.post(
        "/customers", json={"name": "Acme", "email": "a@acme.com"}, headers=tenant.headers
    )
    assert created.status_code == 201
    fetched = api.get(f"/customers/{created.json()['id']}", headers=tenant.headers)
    assert fetched.json() == created.json()
