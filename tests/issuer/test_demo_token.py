"""``issuer demo`` keeps one working demo token: the token file's while it still authenticates,
otherwise a new one, with every earlier demo token revoked (``scripts/run`` runs it each time)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from issuer.auth.models import ApiToken
from issuer.auth.service import authenticate, create_token, find_active_tokens, revoke_token
from issuer.demo.load import DEMO_TOKEN_NAME, create_demo_token, renew_demo_token
from schemas.errors import Unauthenticated
from schemas.registry import Registry
from tests.clock import NOW


def _works(session: Session, secret: str) -> bool:
    try:
        authenticate(session, f"Bearer {secret}", now=NOW)
    except Unauthenticated:
        return False
    return True


def test_a_revoked_token_stops_authenticating_and_keeps_its_first_revocation(
        session: Session, registry: Registry) -> None:
    row, secret = create_token(session, name="asha", role="viewer", councils=["hmc"], now=NOW,
                               known_councils=set(registry.councils))
    revoke_token(session, row, now=NOW)
    revoke_token(session, row, now=NOW + timedelta(days=1))
    assert row.revoked_at == NOW
    with pytest.raises(Unauthenticated) as raised:
        authenticate(session, f"Bearer {secret}", now=NOW)
    assert raised.value.code == "auth.unauthenticated"
    assert find_active_tokens(session, name="asha") == []


def test_demo_keeps_the_token_in_the_file_while_it_works(session: Session,
                                                         registry: Registry) -> None:
    first, new = renew_demo_token(session, registry=registry, now=NOW, current=None)
    assert new and _works(session, first)
    again, new = renew_demo_token(session, registry=registry, now=NOW, current=first)
    assert (again, new) == (first, False)
    assert len(find_active_tokens(session, name=DEMO_TOKEN_NAME)) == 1


@pytest.mark.parametrize("file", [None, "", "prm_not-a-token", "staff"])
def test_demo_replaces_a_lost_or_stale_token_and_revokes_the_earlier_ones(
        session: Session, registry: Registry, file: str | None) -> None:
    earlier = [create_demo_token(session, registry=registry, now=NOW)  # as every run used to
               for _ in range(2)]
    staff_row, staff_secret = create_token(session, name="staff", role="admin", councils=["*"],
                                           now=NOW, known_councils=set(registry.councils))
    current = staff_secret if file == "staff" else file
    later = NOW + timedelta(hours=1)
    token, new = renew_demo_token(session, registry=registry, now=later, current=current)
    assert new and token not in earlier and _works(session, token)
    assert not any(_works(session, old) for old in earlier)
    assert _works(session, staff_secret), "a token of another name is not the demo's to revoke"
    revoked = session.query(ApiToken).filter(ApiToken.revoked_at.is_not(None)).all()
    assert {row.revoked_at for row in revoked} == {later}
    assert staff_row.revoked_at is None
