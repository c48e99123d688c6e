"""The review desk's register pages: state, refusals, history; the changes as CSRF-checked form
posts; the due-for-renewal list per council; in the page's language."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from issuer.registry.models import Registration
from tests.issuer.applications.test_pages import _form_csrf


@pytest.fixture
def desk(client: TestClient, token_factory: Callable[..., str]) -> TestClient:
    browser = TestClient(client.app, base_url="https://testserver")
    signed = browser.post("/s/sign-in", data={
        "token": token_factory(councils=("hmc", "hpc")),
        "csrf": _form_csrf(browser.get("/s").text)}, follow_redirects=False)
    assert signed.status_code == 303
    return browser


def _state(page: str) -> str:
    found = re.search(r'id="register-state"[^>]*data-state="(\w+)"', page)
    assert found is not None
    return found.group(1)


def test_suspend_restore_and_proceedings_from_the_desk(
        desk: TestClient, auth: dict[str, str],
        make_registration: Callable[..., Registration]) -> None:
    registration = make_registration()
    number = desk.post(f"/registrations/{registration.id}/certificates", headers=auth,
                       json={"type": "registration"}).json()["certificate_number"]
    url = f"/s/registrations/{registration.id}"
    page = desk.get(url).text
    assert _state(page) == "active" and number in page
    csrf = _form_csrf(page)
    forged = desk.post(f"{url}/suspend", data={"csrf": "0" * 32, "reason": "other"})
    assert forged.status_code == 403
    done = desk.post(f"{url}/suspend", data={"csrf": csrf, "reason": "disciplinary_inquiry",
                                             "until": "2027-01-31", "order": "HMC/DC/17"})
    assert done.status_code == 200 and _state(done.text) == "suspended"
    assert "HMC/DC/17" in done.text and 'data-code="registration.suspended"' in done.text
    hindi = desk.get(f"{url}?lang=hi").text
    assert "अनुशासनात्मक जाँच" in hindi and "निलंबित" in hindi
    bad = desk.post(f"{url}/suspend", data={"csrf": csrf, "reason": "other"})
    assert bad.status_code == 409
    restored = desk.post(f"{url}/restore", data={"csrf": csrf})
    assert _state(restored.text) == "active"
    opened = desk.post(f"{url}/proceedings", data={"csrf": csrf, "reference": "HMC/DC/18"})
    assert 'data-code="registration.proceedings_open"' in opened.text
    proceeding = re.search(r'action="/s/proceedings/(\d+)/close"', opened.text)
    assert proceeding is not None
    closed = desk.post(f"/s/proceedings/{proceeding.group(1)}/close",
                       data={"csrf": csrf, "outcome": "no case"})
    assert "no case" in closed.text and "registration.proceedings_open" not in closed.text
    corrected = desk.post(f"{url}/correct", data={"csrf": csrf, "field": "name",
                                                  "value": "Asha Rani Verma"})
    assert f"{number} →" in corrected.text


def test_the_renewal_list_per_council(desk: TestClient,
                                      make_registration: Callable[..., Registration]) -> None:
    due = make_registration(registration={"council_id": "hpc", "valid_from": "2021-07-14"})
    page = desk.get("/s/renewals?council=hpc").text
    assert due.registration_number in page and "overdue" in page
    assert "अतिदेय" in desk.get("/s/renewals?council=hpc&lang=hi").text
    assert due.registration_number not in desk.get("/s/renewals?council=hmc").text
