"""``issuer register import FILE --council C``: bring a council's existing register in.

Reads CSV or JSON lines (``docs/import.md``), validates every row as ``issuer register`` does,
writes the rows that pass in committed batches and lists the rest, with their line numbers, in a
reject report. Safe to run again: unchanged rows are skipped, changed rows are reported before
they are applied, and a run stopped half-way resumes by running the same command again.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from issuer.cli.common import EXIT_OK, EXIT_USAGE, command, staff, token_arg
from issuer.cli.progress import Progress
from issuer.registry import rows as source
from issuer.registry import service as register
from issuer.registry.imports import Change, ImportTotals, run_import
from issuer.state import IssuerState
from schemas.errors import InvalidRequest

COMMAND = "register-import"
"""The parser's name for ``issuer register import`` (``issuer.cli`` maps the two words)."""


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = command(sub, COMMAND, _import,
                "issuer register import FILE --council C: import a council's existing "
                "register from CSV or JSON lines (docs/import.md)")
    p.add_argument("file", type=Path)
    p.add_argument("--council", required=True)
    p.add_argument("--format", choices=source.FORMATS,
                   help="default: jsonl for .jsonl/.ndjson files, else csv")
    p.add_argument("--dry-run", action="store_true",
                   help="report what would be created and changed; write nothing")
    p.add_argument("--rejects", type=Path,
                   help="write rejected rows here (CSV: line, registration_number, reason)")
    p.add_argument("--batch", type=int, default=1000, help="rows per transaction (default 1000)")
    token_arg(p)


def _import(state: IssuerState, args: argparse.Namespace) -> int:
    if args.batch < 1:
        print("error: --batch must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    council = state.registry.council(args.council)
    with state.sessions() as session:
        who = staff(session, args, now=state.clock())
    who.require("register", council.id)
    fmt = source.format_of(args.file, args.format)
    total = source.count_rows(args.file) - (1 if fmt == "csv" else 0)
    progress = Progress(total=max(total, 0))
    try:
        totals = run_import(
            state.sessions, source.read_rows(args.file, council=council, fmt=fmt),
            council_id=council.id, actor=who.actor, now=state.clock(), batch_size=args.batch,
            dry_run=args.dry_run, on_change=_print_change,
            renewal_due=lambda start: register.renewal_due(state.registry, council.id, start),
            on_batch=lambda t: progress.update(t.rows, _note(t)))
    except KeyboardInterrupt:
        print("interrupted: batches already committed are kept; run the same command again "
              "to carry on", file=sys.stderr)
        return 130
    progress.update(totals.rows, _note(totals), final=True)
    _report_rejects(totals, args.rejects)
    verb = "would import" if args.dry_run else "imported"
    print(f"{verb} {totals.rows} rows for {council.id}: {totals.created} new, "
          f"{totals.changed} changed, {totals.unchanged} unchanged, "
          f"{len(totals.rejected)} rejected" + (" (dry run: nothing written)"
                                               if args.dry_run else ""))
    return EXIT_OK


def _note(totals: ImportTotals) -> str:
    return (f"{totals.created:,} new, {totals.changed:,} changed, "
            f"{totals.unchanged:,} unchanged, {len(totals.rejected):,} rejected")


def _print_change(change: Change) -> None:
    fields = "; ".join(f"{name}: {old!r} -> {new!r}"
                       for name, (old, new) in sorted(change.fields.items()))
    print(f"line {change.line}: {change.registration_number} changes {fields}")


def _report_rejects(totals: ImportTotals, path: Path | None) -> None:
    if path is None:
        for r in totals.rejected:
            print(f"rejected line {r.line} ({r.registration_number or 'no number'}): {r.reason}",
                  file=sys.stderr)
        return
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["line", "registration_number", "reason"])
            writer.writerows((r.line, r.registration_number, r.reason) for r in totals.rejected)
    except OSError as err:
        raise InvalidRequest(f"{path} cannot be written: {err.strerror}") from err
    print(f"{len(totals.rejected)} rejected rows listed in {path}", file=sys.stderr)
