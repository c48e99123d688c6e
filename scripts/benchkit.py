"""What the benchmarks share: an issuer on a fresh database, ready to issue."""

from __future__ import annotations

from datetime import UTC, datetime

from issuer import db
from issuer.delivery.signers import ensure_demo_authority
from issuer.demo.load import create_demo_token, load_demo_register
from issuer.keystore import service as keystore
from issuer.registry import service as register
from issuer.settings import IssuerSettings
from issuer.state import IssuerState, build_state

REFERENCE_REGISTRATION = ("hmc", "HMC/2016/0045217")


def demo_issuer(settings: IssuerSettings) -> tuple[IssuerState, str, int]:
    """(state, staff token, id of the reference registration) after migrating, making a signing
    key and the demo PDF-signing authority (as ``issuer init`` does) and loading the demo
    register."""
    state = build_state(settings)
    db.migrate(state.engine)
    now = datetime.now(UTC)
    with state.sessions.begin() as session:
        keystore.create_key(session, alg="ES256", now=now, kdf_cost=settings.key_kdf_cost,
                            passphrase=settings.key_passphrase.get_secret_value())
        ensure_demo_authority(session, passphrase=settings.key_passphrase.get_secret_value(),
                              now=now, kdf_cost=settings.key_kdf_cost)
        load_demo_register(session, registry=state.registry, now=now)
        token = create_demo_token(session, registry=state.registry, now=now)
        registration_id = register.get_by_number(session, *REFERENCE_REGISTRATION).id
    return state, token, registration_id
