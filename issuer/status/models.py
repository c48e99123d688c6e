"""Status lists: each pairs a revocation and a suspension bitstring of ``size`` entries.

The bits are not stored: they are derived from the credentials' ``state`` when a list is
published, so the published lists can never disagree with the register of states.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base, UtcDateTime


class StatusList(Base):
    __tablename__ = "status_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    """The list number in its URLs (``/status/revocation/{id}``)."""
    council_id: Mapped[str] = mapped_column(String(32), index=True)
    size: Mapped[int] = mapped_column(Integer)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    """How many positions are taken; position ``p`` maps to index ``permute(p)``."""
    permutation_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    version: Mapped[int] = mapped_column(Integer, default=0)
    """Bumped by every status change on the list, so published copies know they are stale."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
