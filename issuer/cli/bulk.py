"""``issuer issue-bulk`` (a certificate to every eligible registrant) and ``issuer worker`` (the
outbox worker as a process of its own). Both may run as several processes against one
PostgreSQL: see ``issuer.credentials.bulk`` and ``issuer.outbox.service`` for why nothing is
issued or sent twice, and ``docs/scale.md``."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from issuer.cli.common import EXIT_OK, EXIT_USAGE, command, pdf, staff, token_arg, write_file
from issuer.cli.progress import Progress
from issuer.credentials.bulk import BulkRun, BulkTotals, count_due, run_bulk
from issuer.credentials.models import IssuedCredential
from issuer.outbox import runner
from issuer.state import IssuerState
from schemas.credential import INDIA
from schemas.errors import InvalidRequest

RUN_NAME_MAX = 64


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = command(sub, "issue-bulk", _issue_bulk,
                "issue a certificate type to every eligible registrant of a council "
                "(resumable; several processes may run at once on PostgreSQL)")
    p.add_argument("--council", required=True)
    p.add_argument("--type", required=True, help="certificate type, e.g. registration")
    p.add_argument("--only-missing", action="store_true",
                   help="skip registrants who already hold a valid certificate of the type")
    p.add_argument("--run", dest="run_name",
                   help="the run's name: running the same name again issues only to those it "
                        "has not reached (default: today's date, India time)")
    p.add_argument("--batch", type=int, default=100, help="registrations per transaction")
    p.add_argument("--pdf-dir", type=Path,
                   help="also write each certificate's PDF here (<certificate number>.pdf)")
    token_arg(p)
    w = command(sub, "worker", _worker,
                "run the outbox worker (mail, DigiLocker pushes) until stopped; several may run "
                "at once")
    w.add_argument("--once", action="store_true", help="one pass over what is due, then exit")


def _issue_bulk(state: IssuerState, args: argparse.Namespace) -> int:
    if args.batch < 1:
        print("error: --batch must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    council = state.registry.council(args.council)
    cert_type = state.registry.certificate_type(args.type)
    if cert_type.extra_fields:
        raise InvalidRequest(f"a {cert_type.title} needs fields given per person "
                             f"({', '.join(cert_type.extra_fields)}), so it is not issued in bulk",
                             hint="issue it with `issuer issue` or the staff API")
    now = state.clock()
    name = args.run_name or now.astimezone(INDIA).date().isoformat()
    if not 0 < len(name) <= RUN_NAME_MAX:
        raise InvalidRequest(f"--run is 1 to {RUN_NAME_MAX} characters")
    run = BulkRun(council.id, cert_type.id, name, only_missing=args.only_missing,
                  batch_size=args.batch)
    with state.sessions() as session:
        who = staff(session, args, now=now)
        who.require("issue", council.id)
        due = count_due(session, run, now=now)
    progress = Progress(total=due, noun="registrations")
    if args.pdf_dir is not None:
        args.pdf_dir.mkdir(parents=True, exist_ok=True)
    totals = run_bulk(state.sessions, run, staff=who, context_of=state.issue_context,
                      now=state.clock, on_batch=lambda t: progress.update(t.done, _note(t)),
                      after_commit=lambda rows: _write_pdfs(state, rows, args.pdf_dir))
    progress.update(totals.done, _note(totals), final=True)
    for refusal in totals.refused:
        print(f"refused {refusal.registration_number}: {refusal.code}: {refusal.detail}")
    print(f"run {run.run}: issued {totals.issued} {cert_type.id} certificates for {council.id}, "
          f"refused {len(totals.refused)}")
    return EXIT_OK


def _write_pdfs(state: IssuerState, rows: list[IssuedCredential], folder: Path | None) -> None:
    if folder is None:
        return
    for row in rows:
        write_file(folder / f"{row.certificate_number}.pdf", pdf(state, row))


def _note(totals: BulkTotals) -> str:
    return f"{totals.issued:,} issued, {len(totals.refused):,} refused"


def _worker(state: IssuerState, args: argparse.Namespace) -> int:
    if args.once:
        report = runner.run_once(state, now=state.clock())
        print(f"outbox: {report.sent} sent, {report.skipped} skipped, {report.retried} to retry, "
              f"{report.failed} given up")
        return EXIT_OK
    worker = runner.start_worker(state)
    stopping: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"outbox worker running (every {state.settings.outbox_poll_seconds} s); "
          "Ctrl-C or SIGTERM stops it", file=sys.stderr)
    while not stopping:
        time.sleep(0.2)  # short sleeps, not a timed wait: see OutboxWorker._pause
    worker.stop()
    print("outbox worker stopped", file=sys.stderr)
    return EXIT_OK
