"""``issuer audit verify``: check the audit trail's hash chain."""

from __future__ import annotations

import argparse
import sys

from issuer.audit import service as audit
from issuer.cli.common import EXIT_ERROR, EXIT_OK, group
from issuer.state import IssuerState


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    trail = group(sub, "audit", "the audit trail: verify")
    trail.add_parser("verify", help="check the audit hash chain; name the first broken link "
                                    "(exit 1 if broken)").set_defaults(run=_audit_verify)


def _audit_verify(state: IssuerState, _args: argparse.Namespace) -> int:
    with state.sessions() as session:
        report = audit.verify_chain(session)
    if report.broken is None:
        print(f"audit chain intact: {report.events} events, head {report.head_hash}")
        return EXIT_OK
    where = f" (row id {report.broken.event_id})" if report.broken.event_id else ""
    print(f"audit chain BROKEN at event #{report.broken.seq}{where}: {report.broken.problem}; "
          f"{report.events} events before it check out", file=sys.stderr)
    return EXIT_ERROR
