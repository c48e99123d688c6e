"""A registration's life and the certificates that follow it, on both engines."""

from __future__ import annotations

import base64
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from issuer.audit import service as audit
from issuer.audit.models import AuditEvent
from issuer.credentials import service as credentials
from issuer.outbox.hooks import DIGILOCKER_PUSH, MAIL_REGISTER
from issuer.outbox.models import OutboxMessage
from issuer.registry import corrections, eligibility, lifecycle, proceedings
from issuer.registry.lifecycle import Order
from issuer.status import service as status
from keys.signing import parse_payload
from schemas import credential as vc
from schemas.errors import (
    InvalidData,
    PramaanError,
    ProceedingsOpen,
    RegisterTransition,
    RegistrationNotPermanent,
    RegistrationRemoved,
    RegistrationSuspended,
    RenewalOverdue,
)
from tests.clock import NOW
from tests.issuer.registry.conftest import Desk

TODAY = NOW.astimezone(vc.INDIA).date()


def _refused(desk: Desk, registration: object, certificate_type: str,
             error: type[PramaanError]) -> None:
    with pytest.raises(error) as caught:
        desk.issue(registration, certificate_type)  # type: ignore[arg-type]
    assert caught.value.code == error.code
    desk.session.rollback()


def _subject(row: object) -> dict[str, object]:
    token = row.token  # type: ignore[attr-defined]
    segment = token.split(".")[1]
    payload = parse_payload(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return payload["credentialSubject"]  # type: ignore[no-any-return]


def test_a_new_registration_is_active_and_renews_only_where_its_profession_does(
        desk: Desk) -> None:
    medical = desk.make_registration()
    pharmacy = desk.make_registration(registration={"council_id": "hpc"})
    assert (medical.state, medical.renewal_due) == ("active", None)
    assert pharmacy.state == "active"
    assert pharmacy.renewal_due == date(2029, 7, 14)  # valid_from 2024-07-14 + P5Y


def test_suspension_suspends_every_live_certificate_until_the_same_day(desk: Desk) -> None:
    registration = desk.make_registration(professional={"digilocker_id": "dl-1"})
    rc, gs = desk.issue(registration), desk.issue(registration, "good-standing")
    until = TODAY + timedelta(days=30)
    action = lifecycle.suspend(desk.session, registration, staff=desk.staff,
                               reason="disciplinary_inquiry", until=until, now=NOW,
                               order=Order(reference="HMC/DC/2026/17"))
    desk.session.commit()
    assert (registration.state, registration.suspended_from, registration.suspended_until) == (
        "suspended", TODAY, until)
    for row in (rc, gs):
        current = status.effective_state(row, NOW)
        assert (current.state, current.reason) == ("suspended", "disciplinary_inquiry")
        assert current.until == vc.end_of_day(until)
    assert set(action.certificates["suspended"]) == {rc.certificate_number,
                                                    gs.certificate_number}
    assert action.order_reference == "HMC/DC/2026/17" and action.actor == desk.staff.actor
    assert action.changes["state"] == ["active", "suspended"]
    event = desk.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "registration.suspended")).one()
    assert event.details["order"] == "HMC/DC/2026/17"
    assert event.details["certificates"]["suspended"] == action.certificates["suspended"]
    assert audit.verify_chain(desk.session).ok
    kinds = [m.kind for m in desk.session.scalars(select(OutboxMessage))]
    assert MAIL_REGISTER in kinds and kinds.count(DIGILOCKER_PUSH) >= 4  # 2 adds, 2 deletes


def test_no_certificate_is_issued_for_a_suspended_registration(desk: Desk) -> None:
    registration = desk.make_registration()
    lifecycle.suspend(desk.session, registration, staff=desk.staff, reason="court_order",
                      until=None, now=NOW)
    desk.session.commit()
    for kind in ("registration", "good-standing", "noc"):
        _refused(desk, registration, kind, RegistrationSuspended)


def test_a_suspension_past_its_last_day_no_longer_refuses(desk: Desk) -> None:
    registration = desk.make_registration()
    lifecycle.suspend(desk.session, registration, staff=desk.staff, reason="other",
                      until=TODAY, now=NOW)
    desk.session.commit()
    later = NOW + timedelta(days=2)
    assert eligibility.refusals(desk.session, registration, "good-standing", later) == []
    desk.issue(registration, "good-standing", now=later)


def test_restoration_reinstates_exactly_what_the_suspension_suspended(desk: Desk) -> None:
    registration = desk.make_registration()
    by_register, own, revoked = (desk.issue(registration) for _ in range(3))
    status.suspend(desk.session, own, reason="other", actor="test", now=NOW)
    status.revoke(desk.session, revoked, reason="fraud", actor="test", now=NOW)
    lifecycle.suspend(desk.session, registration, staff=desk.staff,
                      reason="disciplinary_inquiry", until=None, now=NOW)
    action = lifecycle.restore(desk.session, registration, staff=desk.staff,
                               now=NOW + timedelta(hours=1))
    desk.session.commit()
    assert registration.state == "active" and registration.suspended_from is None
    assert action.certificates["reinstated"] == [by_register.certificate_number]
    assert [r.state for r in (by_register, own, revoked)] == ["active", "suspended", "revoked"]


def test_removal_revokes_with_its_reason_and_refuses_every_certificate(desk: Desk) -> None:
    registration = desk.make_registration()
    rc = desk.issue(registration)
    suspended = desk.issue(registration, "good-standing")
    status.suspend(desk.session, suspended, reason="other", actor="test", now=NOW)
    action = lifecycle.remove(desk.session, registration, staff=desk.staff,
                              reason="disciplinary", now=NOW, order=Order(reference="O-1"))
    desk.session.commit()
    assert (rc.state, rc.state_reason) == ("revoked", "disciplinary_action")
    assert (suspended.state, suspended.state_reason) == ("revoked", "disciplinary_action")
    assert sorted(action.certificates["revoked"]) == sorted(
        [rc.certificate_number, suspended.certificate_number])
    for kind in ("registration", "good-standing", "noc"):
        _refused(desk, registration, kind, RegistrationRemoved)
    with pytest.raises(RegisterTransition):
        lifecycle.suspend(desk.session, registration, staff=desk.staff, reason="other",
                          until=None, now=NOW)
    desk.session.rollback()
    lifecycle.restore(desk.session, registration, staff=desk.staff, now=NOW)
    desk.session.commit()
    assert rc.state == "revoked"  # a revocation is permanent: new certificates are issued
    assert desk.issue(registration).state == "active"


@pytest.mark.parametrize(("reason", "revocation"), [
    ("deceased", "deceased"), ("voluntary", "registration_cancelled"),
    ("not-renewed", "registration_cancelled"), ("entered-in-error", "error_in_data")])
def test_each_removal_reason_revokes_with_its_own(desk: Desk, reason: str,
                                                   revocation: str) -> None:
    registration = desk.make_registration()
    rc = desk.issue(registration)
    lifecycle.remove(desk.session, registration, staff=desk.staff, reason=reason, now=NOW)
    assert (registration.state_reason, rc.state_reason) == (reason, revocation)


def test_transitions_the_state_does_not_allow_are_refused(desk: Desk) -> None:
    registration = desk.make_registration()
    with pytest.raises(RegisterTransition) as caught:
        lifecycle.restore(desk.session, registration, staff=desk.staff, now=NOW)
    assert caught.value.code == "registration.invalid_transition"
    with pytest.raises(InvalidData):
        lifecycle.suspend(desk.session, registration, staff=desk.staff, reason="whim",
                          until=None, now=NOW)
    with pytest.raises(InvalidData):
        lifecycle.remove(desk.session, registration, staff=desk.staff, reason="whim", now=NOW)
    with pytest.raises(InvalidData):
        lifecycle.suspend(desk.session, registration, staff=desk.staff, reason="other",
                          until=TODAY - timedelta(days=1), now=NOW)
    lifecycle.suspend(desk.session, registration, staff=desk.staff, reason="other",
                      until=None, now=NOW)
    with pytest.raises(RegisterTransition):
        lifecycle.suspend(desk.session, registration, staff=desk.staff, reason="other",
                          until=None, now=NOW)
    with pytest.raises(RegisterTransition):
        corrections.make_permanent(desk.session, registration, staff=desk.staff,
                                   context=desk.context(), now=NOW)


def test_open_proceedings_refuse_good_standing_and_noc_but_not_the_rc(desk: Desk) -> None:
    registration = desk.make_registration()
    opened = proceedings.open_proceeding(desk.session, registration, staff=desk.staff,
                                         opened_on=TODAY, reference="HMC/DC/2026/9", now=NOW)
    desk.session.commit()
    _refused(desk, registration, "good-standing", ProceedingsOpen)
    _refused(desk, registration, "noc", ProceedingsOpen)
    desk.issue(registration)
    proceedings.close_proceeding(desk.session, opened, staff=desk.staff, closed_on=TODAY,
                                 outcome="no case", now=NOW)
    desk.session.commit()
    assert desk.issue(registration, "good-standing").state == "active"
    with pytest.raises(RegisterTransition):
        proceedings.close_proceeding(desk.session, opened, staff=desk.staff, closed_on=TODAY,
                                     outcome="again", now=NOW)
    history = [a.action for a in lifecycle.actions(desk.session, registration)]
    assert history == ["proceedings_opened", "proceedings_closed"]


def test_an_overdue_renewal_refuses_good_standing_until_renewed(desk: Desk) -> None:
    registration = desk.make_registration(
        registration={"council_id": "hpc", "valid_from": "2021-07-14"})
    assert registration.renewal_due == date(2026, 7, 14)
    _refused(desk, registration, "good-standing", RenewalOverdue)
    desk.issue(registration)  # the RC states registration, not standing
    lifecycle.renew(desk.session, registration, staff=desk.staff, registry=desk.state.registry,
                    now=NOW)
    desk.session.commit()
    assert registration.renewal_due == date(2031, 7, 14)
    desk.issue(registration, "good-standing")
    with pytest.raises(RegisterTransition):
        lifecycle.renew(desk.session, desk.make_registration(), staff=desk.staff,
                        registry=desk.state.registry, now=NOW)


def test_every_refusal_is_listed_most_serious_first(desk: Desk) -> None:
    registration = desk.make_registration(
        registration={"council_id": "hpc", "valid_from": "2021-07-14",
                      "registration_type": "provisional"})
    proceedings.open_proceeding(desk.session, registration, staff=desk.staff, opened_on=TODAY,
                                reference="P-1", now=NOW)
    lifecycle.suspend(desk.session, registration, staff=desk.staff, reason="other",
                      until=None, now=NOW)
    found = eligibility.refusals(desk.session, registration, "noc", NOW)
    assert [r.code for r in found] == [
        RegistrationSuspended.code, ProceedingsOpen.code, RenewalOverdue.code,
        RegistrationNotPermanent.code]
    assert all(r.text("hi") != r.text("en") for r in found)


def test_a_provisional_registration_made_permanent_may_have_a_noc(desk: Desk) -> None:
    registration = desk.make_registration(registration={"registration_type": "provisional"})
    rc = desk.issue(registration)
    _refused(desk, registration, "noc", RegistrationNotPermanent)
    action = corrections.make_permanent(desk.session, registration, staff=desk.staff,
                                        context=desk.context(), now=NOW)
    desk.session.commit()
    [(old, new)] = action.certificates["reissued"]
    assert old == rc.certificate_number
    replacement = credentials.get(desk.session, new)
    assert _subject(replacement)["registrationType"] == "permanent"
    assert desk.issue(registration, "noc").state == "active"


def test_a_name_correction_reissues_with_the_window_kept(desk: Desk) -> None:
    registration = desk.make_registration()
    rc, gs = desk.issue(registration), desk.issue(registration, "good-standing")
    action = corrections.correct(desk.session, registration, staff=desk.staff,
                                 context=desk.context(), field="name", value="Asha Rani Verma",
                                 now=NOW + timedelta(days=3), order=Order(reference="C-7"))
    desk.session.commit()
    assert action.changes["name"][1] == "Asha Rani Verma"
    assert len(action.certificates["reissued"]) == 2
    for old in (rc, gs):
        assert (old.state, old.state_reason) == ("revoked", "superseded")
        new = desk.session.get_one(type(old), old.replaced_by_id)
        assert (new.valid_from, new.valid_until) == (old.valid_from, old.valid_until)
        assert new.certificate_type == old.certificate_type and new.state == "active"
        assert _subject(new)["name"] == "Asha Rani Verma"


def test_a_correction_while_suspended_carries_the_suspension_and_restore_lifts_it(
        desk: Desk) -> None:
    registration = desk.make_registration()
    rc = desk.issue(registration)
    lifecycle.suspend(desk.session, registration, staff=desk.staff, reason="other",
                      until=None, now=NOW)
    action = corrections.correct(desk.session, registration, staff=desk.staff,
                                 context=desk.context(), field="father_name",
                                 value="Ram Kumar Verma", now=NOW)
    [(_old, number)] = action.certificates["reissued"]
    replacement = credentials.get(desk.session, number)
    assert replacement.state == "suspended" and rc.state == "revoked"
    restored = lifecycle.restore(desk.session, registration, staff=desk.staff, now=NOW)
    assert restored.certificates["reinstated"] == [number] and replacement.state == "active"


def test_corrections_check_what_they_are_given(desk: Desk) -> None:
    registration = desk.make_registration()
    for field, value in [("gender", "F"), ("date_of_birth", "31-01-1990"),
                         ("qualification", "MBBS only"), ("name", " ")]:
        with pytest.raises(InvalidData):
            corrections.correct(desk.session, registration, staff=desk.staff,
                                context=desk.context(), field=field, value=value, now=NOW)
    action = corrections.correct(desk.session, registration, staff=desk.staff,
                                 context=desk.context(), field="qualification",
                                 value="DNB (Cardiology); National Board of Examinations; 2024",
                                 now=NOW)
    assert registration.qualifications[-1]["degree"] == "DNB (Cardiology)"
    assert action.action == "corrected"
    for field, value in [("qualification",
                          "DNB (Cardiology); National Board of Examinations; 2024"),
                         ("name", registration.professional.name)]:
        with pytest.raises(InvalidData, match="nothing to correct"):
            corrections.correct(desk.session, registration, staff=desk.staff,
                                context=desk.context(), field=field, value=value, now=NOW)
    assert len(registration.qualifications) == 3


def test_a_renewal_without_a_due_date_counts_from_the_licence(desk: Desk) -> None:
    registration = desk.make_registration(
        registration={"council_id": "hpc", "valid_from": "2021-07-14"})
    registration.renewal_due = None  # as migrated from before due dates were kept
    desk.session.flush()
    assert eligibility.refusals(desk.session, registration, "good-standing", NOW) == []
    lifecycle.renew(desk.session, registration, staff=desk.staff, registry=desk.state.registry,
                    now=NOW)
    assert registration.renewal_due == date(2031, 7, 14)  # 2026-07-14 passed: one more period
