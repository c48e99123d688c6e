"""The ``issuer`` command: set up, run, manage keys and tokens, register and issue.

Commands that act as staff (``register``, ``issue``, ``show``) authenticate with a staff token
(``--token`` or ``PRAMAAN_TOKEN``), exactly as the HTTP API does, so the audit trail names who
acted. Errors print what was wrong and what to do, and exit non-zero.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session

from issuer import db
from issuer.audit import service as audit
from issuer.auth.service import Staff, authenticate, create_token
from issuer.credentials import service as credentials
from issuer.credentials.api import CertificateOut
from issuer.credentials.models import IssuedCredential
from issuer.delivery.service import certificate_pdf
from issuer.keystore import service as keystore
from issuer.registry import service as register
from issuer.registry.inputs import RegistrantIn
from issuer.settings import IssuerSettings
from issuer.state import IssuerState, build_state
from issuer.status import reissue
from issuer.status import service as status
from schemas import credential as vc
from schemas.errors import PramaanError

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = IssuerSettings()
    except ValidationError as err:
        print(f"error: settings: {err.errors()[0]['msg']}", file=sys.stderr)
        return EXIT_USAGE
    state = build_state(settings)
    try:
        result: int = args.run(state, args)
        return result
    except PramaanError as err:
        print(f"error: {err.detail}", file=sys.stderr)
        if err.hint:
            print(f"hint: {err.hint}", file=sys.stderr)
        return EXIT_USAGE if err.http_status < 500 else EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="issuer", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(metavar="COMMAND")

    def command(name: str, run: Callable[[IssuerState, argparse.Namespace], int], help: str
                ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(run=run)
        return p

    command("init", _init, "create or upgrade the database and make the first signing key")
    demo = command("demo", _demo, "init, then load the demo register and print a staff token")
    demo.add_argument("--token-file", type=Path, default=Path("var/demo-token.txt"))
    serve = command("serve", _serve, "run the issuer HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    keys = sub.add_parser("keys", help="signing keys").add_subparsers(metavar="ACTION")
    p = keys.add_parser("rotate", help="make a new signing key; the old one stays published")
    p.add_argument("--alg", choices=["ES256", "ES384", "EdDSA"])
    p.set_defaults(run=_keys_rotate)
    keys.add_parser("list", help="list keys (never private parts)").set_defaults(run=_keys_list)
    p = keys.add_parser("compromise", help="distrust a key: everything it signed fails "
                                           "verification (then run `issuer reissue --key`)")
    p.add_argument("kid")
    p.set_defaults(run=_keys_compromise)

    tokens = sub.add_parser("tokens", help="staff API tokens").add_subparsers(metavar="ACTION")
    p = tokens.add_parser("create", help="create a staff token; it is shown once")
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True,
                   choices=["viewer", "reviewer", "registrar", "admin"])
    p.add_argument("--council", action="append", required=True, dest="councils",
                   help="council id this token acts for (repeat; '*' for all)")
    p.set_defaults(run=_tokens_create)

    trail = sub.add_parser("audit", help="the audit trail").add_subparsers(metavar="ACTION")
    trail.add_parser("verify", help="check the audit hash chain; name the first broken link "
                                    "(exit 1 if broken)").set_defaults(run=_audit_verify)

    p = command("register", _register, "add registrants from a JSON file (one or a list)")
    p.add_argument("file", type=Path)
    _token_arg(p)
    p = command("issue", _issue, "issue a certificate for a registration")
    p.add_argument("--council", required=True)
    p.add_argument("--number", required=True, help="registration number")
    p.add_argument("--type", required=True, help="registration, good-standing or noc")
    for field in ("addressee", "purpose", "destination"):
        p.add_argument(f"--{field}")
    p.add_argument("--pdf", type=Path, help="also write the PDF here")
    _token_arg(p)
    p = command("show", _show, "print a certificate as JSON or the vc+jwt, or write its PDF")
    p.add_argument("certificate_number")
    p.add_argument("--format", choices=["json", "jwt", "pdf"], default="json")
    p.add_argument("--out", type=Path, help="file to write (required for pdf)")
    _token_arg(p)
    _status_commands(command)
    return parser


def _status_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    p = command("revoke", _revoke, "revoke a certificate (permanent)")
    p.add_argument("certificate_number")
    p.add_argument("--reason", required=True, choices=sorted(status.REVOCATION_REASONS))
    p.add_argument("--note")
    _token_arg(p)
    p = command("suspend", _suspend, "suspend a certificate, optionally until a date")
    p.add_argument("certificate_number")
    p.add_argument("--reason", default="other", choices=sorted(status.SUSPENSION_REASONS))
    p.add_argument("--until", type=_moment, help="ISO date or date-time; lifts itself then "
                                                 "(a date means the end of that day in India)")
    p.add_argument("--note")
    _token_arg(p)
    p = command("reinstate", _reinstate, "end a suspension")
    p.add_argument("certificate_number")
    p.add_argument("--note")
    _token_arg(p)
    p = command("reissue", _reissue, "re-issue certificates (a correction, or everything a "
                                     "compromised key signed); the old ones are revoked as "
                                     "superseded")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("certificate_number", nargs="?")
    which.add_argument("--key", metavar="KID", help="every still-valid certificate signed by "
                                                    "this key (resumable)")
    p.add_argument("--note")
    _token_arg(p)


def _moment(text: str) -> datetime:
    try:
        if len(text) == 10:
            return vc.end_of_day(date.fromisoformat(text))
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date or date-time") from err
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a time zone offset, e.g. +05:30")
    return moment


def _token_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--token", default=os.environ.get("PRAMAAN_TOKEN"),
                   help="staff token (default: $PRAMAAN_TOKEN)")


def _now() -> datetime:
    return datetime.now(UTC)


def _session(state: IssuerState) -> Session:
    return state.sessions()


def _staff(session: Session, args: argparse.Namespace) -> Staff:
    return authenticate(session, f"Bearer {args.token}" if args.token else None)


def _init(state: IssuerState, _args: argparse.Namespace) -> int:
    db.migrate(state.engine)
    with state.sessions.begin() as session:
        if keystore.active_kid(session) is None:
            key = keystore.create_key(session, alg=state.settings.signing_algorithm,
                                      passphrase=state.settings.key_passphrase.get_secret_value(),
                                      now=_now(), kdf_cost=state.settings.key_kdf_cost)
            print(f"created signing key {key.kid} ({key.alg})")
    print(f"database ready: {state.engine.url.render_as_string(hide_password=True)}")
    return EXIT_OK


def _demo(state: IssuerState, args: argparse.Namespace) -> int:
    from issuer.demo.load import create_demo_token, load_demo_register

    if state.settings.env != "dev":
        print("error: demo data is only loaded with PRAMAAN_ENV=dev", file=sys.stderr)
        return EXIT_USAGE
    _init(state, args)
    with state.sessions.begin() as session:
        added = load_demo_register(session, registry=state.registry, now=_now())
        token = create_demo_token(session, registry=state.registry, now=_now())
    args.token_file.parent.mkdir(parents=True, exist_ok=True)
    args.token_file.write_text(token + "\n")
    args.token_file.chmod(0o600)
    print(f"demo register: {added} registrants added")
    print(f"demo staff token (admin, all councils) written to {args.token_file}")
    return EXIT_OK


def _serve(state: IssuerState, args: argparse.Namespace) -> int:
    import uvicorn

    from issuer.app import create_app

    uvicorn.run(create_app(state.settings, state=state), host=args.host, port=args.port)
    return EXIT_OK


def _keys_rotate(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        key = keystore.rotate(session, alg=args.alg or state.settings.signing_algorithm,
                              passphrase=state.settings.key_passphrase.get_secret_value(),
                              now=_now(), kdf_cost=state.settings.key_kdf_cost)
        audit.record(session, actor="cli:keys", action="key.rotated", subject=f"key:{key.kid}",
                     now=_now(), details={"alg": key.alg})
    print(f"new signing key {key.kid} ({key.alg}); earlier keys stay published")
    return EXIT_OK


def _keys_list(state: IssuerState, _args: argparse.Namespace) -> int:
    with _session(state) as session:
        for row in keystore.list_keys(session):
            retired = f" retired {row.retired_at:%Y-%m-%d}" if row.retired_at else ""
            if row.compromised_at:
                retired += f" COMPROMISED {row.compromised_at:%Y-%m-%d %H:%M}"
            print(f"{row.kid}  {row.alg:6} {row.status:8} created {row.created_at:%Y-%m-%d}"
                  f"{retired}")
    return EXIT_OK


def _tokens_create(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        row, secret = create_token(session, name=args.name, role=args.role,
                                   councils=args.councils, now=_now(),
                                   known_councils=set(state.registry.councils))
    print(f"token {row.id} for {row.name} ({row.role}; councils {', '.join(row.councils)}):")
    print(secret)
    return EXIT_OK


def _register(state: IssuerState, args: argparse.Namespace) -> int:
    data = json.loads(args.file.read_text("utf-8"))
    entries = data if isinstance(data, list) else data.get("registrants", [data])
    with state.sessions.begin() as session:
        staff = _staff(session, args)
        for entry in entries:
            try:
                registrant = RegistrantIn.model_validate(entry)
            except ValidationError as err:
                first = err.errors()[0]
                print(f"error: {'/'.join(map(str, first['loc']))}: {first['msg']}",
                      file=sys.stderr)
                return EXIT_USAGE
            staff.require("register", registrant.registration.council_id)
            row = register.register(session, registrant, registry=state.registry,
                                    actor=staff.actor, now=_now())
            print(f"registration {row.id}: {row.council_id} {row.registration_number}")
    return EXIT_OK


def _issue(state: IssuerState, args: argparse.Namespace) -> int:
    extra = {f: getattr(args, f) for f in ("addressee", "purpose", "destination")
             if getattr(args, f) is not None}
    with state.sessions.begin() as session:
        staff = _staff(session, args)
        registration = register.get_by_number(session, args.council, args.number)
        row = credentials.issue_in(
            state.issue_context(session), session,
            credentials.IssueRequest(registration.id, args.type, extra), staff=staff, now=_now())
    print(f"issued {row.certificate_number} ({row.certificate_type}) {row.credential_id}")
    if args.pdf:
        args.pdf.write_bytes(_pdf(state, row))
        print(f"PDF written to {args.pdf}")
    return EXIT_OK


def _show(state: IssuerState, args: argparse.Namespace) -> int:
    with _session(state) as session:
        staff = _staff(session, args)
        row = credentials.get(session, args.certificate_number)
        staff.require("read", row.council_id)
    if args.format == "jwt":
        print(row.token)
    elif args.format == "json":
        print(CertificateOut.of(row).model_dump_json(indent=2))
    elif args.out is None:
        print("error: --out FILE is required for a PDF", file=sys.stderr)
        return EXIT_USAGE
    else:
        args.out.write_bytes(_pdf(state, row))
        print(f"PDF written to {args.out}")
    return EXIT_OK


def _revoke(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        staff, row = _staff_and_certificate(session, args)
        status.revoke(session, row, reason=args.reason, actor=staff.actor, now=_now(),
                      note=args.note)
    print(f"revoked {row.certificate_number} ({args.reason})")
    return EXIT_OK


def _suspend(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        staff, row = _staff_and_certificate(session, args)
        status.suspend(session, row, reason=args.reason, actor=staff.actor, now=_now(),
                       until=args.until, note=args.note)
    until = f" until {args.until.isoformat()}" if args.until else ""
    print(f"suspended {row.certificate_number}{until}")
    return EXIT_OK


def _reinstate(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        staff, row = _staff_and_certificate(session, args)
        status.reinstate(session, row, actor=staff.actor, now=_now(), note=args.note)
    print(f"reinstated {row.certificate_number}")
    return EXIT_OK


def _reissue(state: IssuerState, args: argparse.Namespace) -> int:
    if args.key is None:
        with state.sessions.begin() as session:
            staff, row = _staff_and_certificate(session, args)
            new = reissue.reissue(session, row, staff=staff, context=state.issue_context(session),
                                  now=_now(), note=args.note)
        print(f"issued {new.certificate_number}; {row.certificate_number} revoked as superseded")
        return EXIT_OK
    with state.sessions() as session:
        staff = _staff(session, args)

    def progress(done: int, total: int, message: str) -> None:
        print(f"[{done}/{total}] {message}", flush=True)

    report = reissue.reissue_signed_by(state.sessions, args.key, staff=staff,
                                       context_of=state.issue_context, now=_now,
                                       progress=progress)
    print(f"re-issued {report.reissued}, failed {report.failed}")
    return EXIT_OK if report.failed == 0 else EXIT_ERROR


def _keys_compromise(state: IssuerState, args: argparse.Namespace) -> int:
    with state.sessions.begin() as session:
        row = keystore.compromise(session, args.kid, now=_now(),
                                  passphrase=state.settings.key_passphrase.get_secret_value(),
                                  alg=state.settings.signing_algorithm,
                                  kdf_cost=state.settings.key_kdf_cost)
        affected = len(reissue.affected_by_key(session, args.kid, now=_now()))
        audit.record(session, actor="cli:keys", action="key.compromised",
                     subject=f"key:{row.kid}", now=_now(), details={"affected": affected})
        signer = keystore.active_kid(session)
    print(f"key {row.kid} is marked compromised; {signer} signs from now on")
    print(f"{affected} still-valid certificates were signed by it: run "
          f"`issuer reissue --key {row.kid}` to re-issue them")
    return EXIT_OK


def _audit_verify(state: IssuerState, _args: argparse.Namespace) -> int:
    with _session(state) as session:
        report = audit.verify_chain(session)
    if report.broken is None:
        print(f"audit chain intact: {report.events} events, head {report.head_hash}")
        return EXIT_OK
    where = f" (row id {report.broken.event_id})" if report.broken.event_id else ""
    print(f"audit chain BROKEN at event #{report.broken.seq}{where}: {report.broken.problem}; "
          f"{report.events} events before it check out", file=sys.stderr)
    return EXIT_ERROR


def _staff_and_certificate(session: Session, args: argparse.Namespace
                           ) -> tuple[Staff, IssuedCredential]:
    staff = _staff(session, args)
    row = credentials.get(session, args.certificate_number)
    staff.require("status", row.council_id)
    return staff, row


def _pdf(state: IssuerState, row: IssuedCredential) -> bytes:
    return certificate_pdf(row, renderer=state.renderer, registry=state.registry,
                           page_url=state.settings.verify_page_url)


if __name__ == "__main__":
    raise SystemExit(main())
