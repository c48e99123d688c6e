"""Every mapped class, imported once so that metadata (and Alembic) sees them all."""

from issuer.applicants.models import SignInCode
from issuer.applications.models import Application, ApplicationDocument, ApplicationEvent
from issuer.audit.models import AuditChainHead, AuditEvent
from issuer.auth.models import ApiToken, WebSession
from issuer.credentials.models import BulkIssued, IssuedCredential
from issuer.db import Base
from issuer.delivery.models import DocumentAuthority, DocumentCertificate
from issuer.keystore.models import StoredKey
from issuer.outbox.models import OutboxMessage, OutboxPace
from issuer.registry.models import Professional, Registration
from issuer.status.models import StatusList

__all__ = ["ApiToken", "Application", "ApplicationDocument", "ApplicationEvent", "AuditChainHead",
           "AuditEvent", "Base", "BulkIssued", "DocumentAuthority", "DocumentCertificate",
           "IssuedCredential", "OutboxMessage", "OutboxPace", "Professional",
           "Registration", "SignInCode", "StatusList", "StoredKey", "WebSession"]
