"""All routers of the issuer, in one place so the app factory stays short."""

from fastapi import FastAPI

from issuer.applications.api import router as applications_router
from issuer.applications.review_api import router as review_router
from issuer.audit.api import router as audit_router
from issuer.credentials.api import router as credentials_router
from issuer.digilocker.api import router as digilocker_router
from issuer.keystore.api import router as keys_router
from issuer.mail.api import router as mail_router
from issuer.public_api import router as public_router
from issuer.registry.api import router as registry_router
from issuer.status.api import router as status_router
from issuer.web.pages import router as pages_router
from issuer.web.register_pages import router as register_pages_router
from issuer.web.staff_pages import router as staff_pages_router
from issuer.web.wallet import router as wallet_router


def register_routes(app: FastAPI) -> None:
    for router in (keys_router, public_router, registry_router, credentials_router,
                   status_router, audit_router, mail_router, digilocker_router,
                   applications_router, review_router, pages_router, staff_pages_router,
                   wallet_router, register_pages_router):
        app.include_router(router)
