"""``verifier check FILE_OR_TOKEN``, ``verifier sync --out FILE``, ``verifier trust show`` and
``verifier serve``.

``check`` with several files or a folder writes a report (``verifier.report``), one row per file,
with progress on stderr, and exits 0 only when every file holds a valid certificate.

Exit status of ``check`` on one input: 0 the certificate is valid; 1 it is not, or it could not be
judged (an issuer's keys or status lists unreachable, or offline without a bundle:
``status.unknown``); 2 the input holds no credential at all (unreadable file, no QR code, not a
JWS), the trust bundle cannot be read, or the command line is wrong. ``sync`` exits 0 when
everything was fetched and verified, 1 when something was left out (the bundle is still written),
2 when nothing could be synced.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from schemas.credential import time_for_people
from schemas.credential_view import CredentialView
from schemas.errors import PramaanError, StatusUnknown, UnreadableInput
from verifier import bundle, inputs
from verifier import report as batch
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.status import describe_age
from verifier.trust_list import TrustListSource, describe_list
from verifier.verify import VerificationResult, Verifier, check_token

VALID, INVALID, UNUSABLE = 0, 1, 2
CLOSED_PIPE = 141
"""stdout closed early (``verifier check … | head -1``): 128 + SIGPIPE, as a shell tool exits."""
MARKS = {True: "ok  ", False: "FAIL", None: "--  "}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away: say nothing, and keep the interpreter's final flush quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return CLOSED_PIPE


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = _settings(args)
    except (ValidationError, ValueError) as err:
        parser.error(str(err))
    if args.command == "serve":
        return _serve(settings, host=args.host, port=args.port)
    if args.command == "sync":
        return _sync(settings, Path(args.out))
    if args.command == "trust":
        return _trust_show(settings)
    if len(args.input) > 1 or args.report or _is_dir(args.input[0]):
        return _check_many([Path(i) for i in args.input], settings, report=args.report,
                           fmt=args.format)
    return _check(args.input[0], settings, as_json=args.json)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="verifier", description="Verify Pramaan certificates.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="verify a certificate PDF, QR photo, token or "
                                              "QR text")
    check.add_argument("input", nargs="+",
                       help="a file (PDF, PNG/JPEG, text), '-' for stdin, or the token or QR "
                            "text itself; several files or folders make a report")
    check.add_argument("--report", metavar="FILE", type=Path,
                       help="write a report of every file (CSV, or JSON if FILE ends in .json) "
                            "instead of printing it")
    check.add_argument("--format", choices=("csv", "json"),
                       help="the report's format (default: from --report's name, else csv)")
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.add_argument("--offline", action="store_true",
                       help="use no network: keys and status lists from --bundle (or "
                            "PRAMAAN_VERIFIER_BUNDLE); without one the status is unknown")
    check.add_argument("--bundle", metavar="FILE", type=Path,
                       help="a trust bundle written by `verifier sync` (implies --offline)")
    sync = commands.add_parser("sync", help="download each trusted issuer's keys and status "
                                            "lists into a trust bundle for offline checks")
    sync.add_argument("--out", required=True, metavar="FILE", help="where to write the bundle")
    for command in (check, sync):
        command.add_argument("--issuer", action="append", default=[], metavar="URL",
                             help="trust this issuer (URL prefix); pair each with --jwks or "
                                  "--jwks-file, in order. Replaces "
                                  "PRAMAAN_VERIFIER_TRUSTED_ISSUERS")
        command.add_argument("--jwks", action="append", dest="jwks", default=[], metavar="URL",
                             help="where the matching --issuer publishes its keys")
        command.add_argument("--jwks-file", action="append", dest="jwks", metavar="PATH",
                             type=lambda p: Path(p).resolve().as_uri(),
                             help="a local copy of the matching --issuer's JWKS (offline use)")
    trust = commands.add_parser("trust", help="the issuers this verifier trusts")
    trust.add_subparsers(dest="trust_command", required=True).add_parser(
        "show", help="print the signed trust list in use (its date, age and entries), or the "
                     "configured issuers when no list is configured")
    serve = commands.add_parser("serve", help="run the verifier web service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    return parser


def _settings(args: argparse.Namespace) -> VerifierSettings:
    settings = VerifierSettings()
    update: dict[str, object] = {}
    if getattr(args, "offline", False) or getattr(args, "bundle", None):
        update["offline"] = True
    if getattr(args, "bundle", None):
        update["bundle"] = args.bundle.resolve()
    issuers, sources = getattr(args, "issuer", []), getattr(args, "jwks", [])
    if len(issuers) != len(sources):
        raise ValueError("give each --issuer exactly one --jwks or --jwks-file, in order")
    if issuers:
        update["trusted_issuers"] = [TrustedIssuer(issuer=i, jwks_uri=s, name=i)
                                     for i, s in zip(issuers, sources, strict=True)]
    return settings.model_copy(update=update)


def _check(source: str, settings: VerifierSettings, *, as_json: bool) -> int:
    try:
        token, pdf = _token(source, settings.max_upload_bytes)
        result = check_token(token, settings=settings, now=datetime.now(UTC), pdf=pdf)
    except PramaanError as err:
        _print_error(err, as_json=as_json)
        return UNUSABLE
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1) if as_json
          else _verdict(result))
    if result.verified:
        return VALID
    return UNUSABLE if result.check("format").ok is False else INVALID


def _is_dir(source: str) -> bool:
    try:
        return Path(source).is_dir()
    except OSError:  # a token is a long "file name"
        return False


def _check_many(paths: list[Path], settings: VerifierSettings, *, report: Path | None,
                fmt: str | None) -> int:
    """Exit 0 only if every file holds a valid certificate; 2 if there was nothing to check."""
    files = batch.collect(paths)
    if not files:
        print("CANNOT CHECK: no certificate files (.pdf, .png, .jpg, .jpeg, .jwt, .txt) found",
              file=sys.stderr)
        return UNUSABLE
    verifier = Verifier.from_settings(settings)
    rows: list[batch.Row] = []
    try:
        for done, row in enumerate(batch.check_files(
                files, verifier=verifier, clock=lambda: datetime.now(UTC),
                max_bytes=settings.max_upload_bytes), start=1):
            rows.append(row)
            print(f"[{done}/{len(files)}] {row.file}: {row.verdict}", file=sys.stderr)
    finally:
        verifier.close()
    fmt = fmt or ("json" if report is not None and report.suffix.lower() == ".json" else "csv")
    write = batch.write_json if fmt == "json" else batch.write_csv
    if report is None:
        write(rows, sys.stdout)
    else:
        with report.open("w", encoding="utf-8", newline="") as out:
            write(rows, out)
    valid = sum(row.valid for row in rows)
    print(f"{valid} of {len(rows)} valid" + (f"; report written to {report}" if report else ""),
          file=sys.stderr)
    return VALID if valid == len(rows) else INVALID


def _token(source: str, max_bytes: int) -> tuple[str, bytes | None]:
    """A file's credential if ``source`` names a file, and the file if it is a PDF (its own
    signature is checked too); else ``source`` is the token or QR text."""
    if source == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
        return _from_file(data, max_bytes)
    try:
        with Path(source).open("rb") as file:
            data = file.read(max_bytes + 1)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as err:
        if Path(source).suffix.lower() not in batch.SUFFIXES:
            return inputs.token_from_text(source), None
        missing = isinstance(err, FileNotFoundError | NotADirectoryError)
        raise UnreadableInput(f"{source} " + ("does not exist" if missing else
                                              "is a folder, not a certificate file"),
                              hint="give the path of the certificate PDF, photo or token file, "
                                   "or the token itself") from err
    except OSError as err:
        if err.errno == errno.ENAMETOOLONG:  # a token is a long "file name"
            return inputs.token_from_text(source), None
        raise UnreadableInput(f"{source} cannot be read: {err.strerror}") from err
    return _from_file(data, max_bytes)


def _from_file(data: bytes, max_bytes: int) -> tuple[str, bytes | None]:
    token = inputs.token_from_upload(data, max_bytes=max_bytes)
    return token, data if inputs.is_pdf(data) else None


def _verdict(result: VerificationResult) -> str:
    lines = [_headline(result)]
    width = max(len(c.check) for c in result.checks)
    for c in result.checks:
        code = "" if c.code == "ok" else f"{c.code}: "
        lines.append(f"  [{MARKS[c.ok]}] {c.check:<{width}}  {code}{c.detail}")
    status = result.status
    if status is not None and status.source == "bundle" and status.as_of is not None:
        lines.append(f"  status data: offline bundle, as of {time_for_people(status.as_of)} "
                     f"({describe_age(status.age_seconds or 0)} old)")
    elif status is not None and status.code == StatusUnknown.code:
        lines.append("  status data: none (offline without a trust bundle)")
    if result.pdf_signature is not None:
        mark = MARKS[True if result.pdf_signature.valid else
                     None if result.pdf_signature.state == "cannot_check" else False]
        lines.append(f"  [{mark}] PDF signature  {result.pdf_signature.message}")
    if result.verdict is not None and result.verdict.checked_at is not None:
        lines.append(f"  checked {time_for_people(result.verdict.checked_at)}")
    return "\n".join(lines)


def _headline(result: VerificationResult) -> str:
    if not result.verified:
        return "NOT VALID: " + result.failures[0].detail if result.failures else "NOT VALID"
    credential = CredentialView.from_payload(result.credential or {}, strict=False)
    subject = credential.subject
    kind = (result.verdict.certificate if result.verdict and result.verdict.certificate else
            next((t for t in credential.types if t != "VerifiableCredential"), ""))
    return (f"VALID: {kind} for {subject.name} ({subject.registration_number}), "
            f"{subject.council}")


def _print_error(err: PramaanError, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(err.to_dict(), ensure_ascii=False))
        return
    print(f"CANNOT CHECK: {err.detail} ({err.code})", file=sys.stderr)
    if err.hint:
        print(f"  hint: {err.hint}", file=sys.stderr)


def _sync(settings: VerifierSettings, out: Path) -> int:
    try:
        issuers, trust_list = list(settings.trusted_issuers), None
        if settings.trust_list_url:  # the anchor's list decides, and the bundle carries it
            source = TrustListSource.from_settings(settings)
            try:
                loaded = source.current(datetime.now(UTC))
            finally:
                source.close()
            issuers, trust_list = list(loaded.entries), loaded.token
        synced, problems = bundle.sync(issuers, algorithms=settings.algorithms,
                                       timeout=settings.http_timeout_seconds,
                                       clock=lambda: datetime.now(UTC), trust_list=trust_list)
    except PramaanError as err:
        _print_error(err, as_json=False)
        return UNUSABLE
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not synced.issuers:
        print("CANNOT SYNC: no issuer's keys could be fetched; no bundle written",
              file=sys.stderr)
        return UNUSABLE
    bundle.write_bundle(synced, out)
    print(f"synced {len(synced.issuers)} issuer(s) and {len(synced.lists)} status list(s) to "
          f"{out} at {synced.created_at.isoformat(timespec='seconds')}")
    return INVALID if problems else VALID


def _trust_show(settings: VerifierSettings) -> int:
    """Exit 0 with a usable list (or configured issuers), 1 when no trust list can be used."""
    if not settings.trust_list_url:
        print("no trust list configured (PRAMAAN_VERIFIER_TRUST_LIST_URL); development fallback: "
              f"{len(settings.trusted_issuers)} issuer(s) from PRAMAAN_VERIFIER_TRUSTED_ISSUERS")
        for issuer in settings.trusted_issuers:
            print(f"  {issuer.issuer}  {issuer.name}  keys: {issuer.jwks_uri}")
        return VALID
    now = datetime.now(UTC)
    try:
        source = TrustListSource.from_settings(settings)
        try:
            loaded = source.current(now)
        finally:
            source.close()
    except PramaanError as err:
        _print_error(err, as_json=False)
        return INVALID
    print("\n".join(describe_list(loaded, now=now, url=settings.trust_list_url)))
    return VALID


def _serve(settings: VerifierSettings, *, host: str, port: int) -> int:
    import uvicorn

    from verifier.api import create_app

    if not settings.trusted_issuers and not settings.trust_list_url:
        print("warning: no trusted issuers (PRAMAAN_VERIFIER_TRUSTED_ISSUERS); every "
              "certificate will be reported as untrusted", file=sys.stderr)
    uvicorn.run(create_app(settings), host=host, port=port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
