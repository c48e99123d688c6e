"""The published keys: JWKS for every JOSE library and for the Pramaan verifier."""

from typing import Any

from fastapi import APIRouter, Response

from issuer.delivery.signers import with_x5c, x5c_chains
from issuer.deps import NowDep, SessionDep, StateDep

router = APIRouter(tags=["keys"])


@router.get("/.well-known/jwks.json", summary="The issuer's public signing keys (JWKS)")
def jwks(state: StateDep, session: SessionDep, now: NowDep, response: Response
         ) -> dict[str, Any]:
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return with_x5c(state.keyring.current(session, now=now).jwks(), x5c_chains(session))
