"""Register and certificate text the PDF cannot print as stored is refused, naming the character
(issue 11, item 7): bidi controls, control characters, characters outside the fonts of the
council's scripts, combining marks piled on one letter. Real names in English and Hindi pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from issuer.delivery.printable import printable, script_coverage
from issuer.demo.load import load_demo_register
from issuer.registry import service as register
from issuer.registry.inputs import RegistrantIn
from schemas.errors import ConfigurationError, InvalidData
from schemas.registry import DEFAULT_SCRIPTS, Registry, load_registry
from tests.clock import NOW
from tests.conftest import registrant_data

SCRIPTS = DEFAULT_SCRIPTS
REFERENCE = json.loads(
    (Path(__file__).parents[1] / "data" / "reference-registrant.json").read_text("utf-8"))

REFUSED = {  # the examples: text -> the character named in the error
    "right-to-left override": ("Dr. Evil \u202eeoJ nhoJ", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    "right-to-left isolate": ("Dr. \u2067Joe\u2069", "U+2067 RIGHT-TO-LEFT ISOLATE"),
    "left-to-right mark": ("Dr.\u200e Asha", "U+200E LEFT-TO-RIGHT MARK"),
    "arabic letter mark": ("Asha\u061c", "U+061C ARABIC LETTER MARK"),
    "180 combining marks": ("क" + "\u0901" * 180, "U+0901 DEVANAGARI SIGN CANDRABINDU"),
    "CJK": ("Dr. 王小明", "U+738B CJK UNIFIED IDEOGRAPH-738B"),
    "Arabic": ("Dr. محمد", "U+0645 ARABIC LETTER MEEM"),
    "cuneiform": ("Dr. \U00012000", "U+12000 CUNEIFORM SIGN A"),
    "NUL": ("Asha\x00Rani", "U+0000 <control>"),
    "a control character": ("Asha\x1bRani", "U+001B <control>"),
    "a newline": ("Asha\nRani", "U+000A <control>"),
    "a soft hyphen": ("Asha\u00adRani", "U+00AD SOFT HYPHEN"),
    "a Latin combining mark the fonts lack": ("Max\u0302", "U+0302 COMBINING CIRCUMFLEX ACCENT"),
    "a Devanagari sign on a Latin letter": ("Asha\u093f", "U+093F DEVANAGARI VOWEL SIGN I"),
    "a joiner in Latin text": ("As\u200dha", "U+200D ZERO WIDTH JOINER"),
}
ACCEPTED = {
    "reference, English": REFERENCE["professional"]["name"],
    "reference, Hindi": REFERENCE["professional"]["name_hi"],
    "diacritics": "José Müller",
    "Latin Extended-A": "Łukasz Żółć",
    "IAST": "Ṛṣikeśa Śarmā",
    "Devanagari conjuncts": "डॉ. क्षमा श्रीवास्तव",
    "explicit half form, ZWJ": "क्\u200dष",
    "no conjunct, ZWNJ": "क्\u200cष",
    "eyelash ra, ZWJ": "र\u200d्य",
    "nukta, vowel sign, candrabindu": "फ़ूँ",
}


@pytest.mark.parametrize("text", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_real_names_print(text: str) -> None:
    assert printable(text, field="name", scripts=SCRIPTS) == text


@pytest.mark.parametrize(("text", "named"), REFUSED.values(), ids=REFUSED.keys())
def test_text_the_certificate_cannot_print_is_refused_naming_the_character(
        text: str, named: str) -> None:
    with pytest.raises(InvalidData) as caught:
        printable(text, field="professional.name", scripts=SCRIPTS)
    assert caught.value.code == "data.invalid"
    assert caught.value.detail.startswith(f"professional.name: {named} (character ")
    assert caught.value.facts == {"field": "professional.name", "character": named.split()[0]}


def test_input_is_nfc_normalised_before_the_check() -> None:
    assert printable("Jose\u0301 Mu\u0308ller", field="name", scripts=SCRIPTS) == "José Müller"


def test_the_printable_set_is_the_fonts_of_the_councils_scripts() -> None:
    assert ord("क") in script_coverage("Deva") and ord("क") not in script_coverage("Latn")
    with pytest.raises(InvalidData, match=r"U\+0915 DEVANAGARI LETTER KA"):
        printable("क", field="name", scripts=("Latn",))
    with pytest.raises(ConfigurationError, match="'Arab'"):
        script_coverage("Arab")


# -- the register, over HTTP ---------------------------------------------------------------------
# (a NUL or other control character in any JSON text is refused sooner, at the HTTP boundary,
# as a 400 request.invalid: tests/issuer/test_errors.py)
@pytest.mark.parametrize(("text", "named"), [REFUSED["right-to-left override"], REFUSED["Arabic"],
                                             REFUSED["180 combining marks"], REFUSED["CJK"]],
                         ids=["RLO", "Arabic", "marks", "CJK"])
@pytest.mark.parametrize("where", ["name", "name_hi", "father_name", "degree"])
def test_the_register_refuses_unprintable_text_with_a_422(
        client: TestClient, auth: dict[str, str], where: str, text: str, named: str) -> None:
    data = registrant_data()
    if where == "degree":
        data["registration"]["qualifications"][0]["degree"] = text
        field = "registration.qualifications.0.degree"
    else:
        data["professional"][where] = text
        field = f"professional.{where}"
    response = client.post("/registrations", json=data, headers=auth)
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"error", "detail", "hint"} and body["error"] == "data.invalid"
    assert body["detail"].startswith(f"{field}: {named}")
    assert body["hint"]


@pytest.mark.parametrize("where", ["phone", "digilocker_id"])
def test_control_characters_are_refused_in_text_that_is_not_printed(
        client: TestClient, auth: dict[str, str], where: str) -> None:
    # (C0 controls such as NUL are refused sooner, at the HTTP boundary, as a 400)
    data = registrant_data(professional={where: "98765\u202e43210"})
    response = client.post("/registrations", json=data, headers=auth)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"professional.{where}: U+202E RIGHT-TO-LEFT")


def test_the_register_stores_real_names_in_nfc(client: TestClient, auth: dict[str, str]) -> None:
    data = registrant_data(professional={"name": "Dr. Jose\u0301 Mu\u0308ller",
                                         "name_hi": "डॉ. क्\u200dषमा"})
    response = client.post("/registrations", json=data, headers=auth)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Dr. José Müller"


def test_a_council_printing_only_latin_refuses_devanagari(session: Session,
                                                         tmp_path: Path) -> None:
    extra = tmp_path / "latin-council.json"
    extra.write_text(json.dumps({"councils": [
        {"id": "hmc", "name": "Haryana Medical Council", "name_hi": "हरियाणा मेडिकल काउंसिल",
         "profession": "medical", "registration_prefix": "HMC", "scripts": ["Latn"]}]}))
    latin_only = load_registry([extra])
    assert latin_only.council("hmc").scripts == ("Latn",)
    entry = RegistrantIn.model_validate(registrant_data())
    with pytest.raises(InvalidData, match=r"professional\.name_hi: U\+0921 DEVANAGARI LETTER DDA"):
        register.register(session, entry, registry=latin_only, actor="test", now=NOW)


def test_the_demo_register_still_loads(session: Session, registry: Registry) -> None:
    assert load_demo_register(session, registry=registry, now=NOW) == 5


# -- certificate fields and applications ----------------------------------------------------------
def test_extra_fields_of_a_certificate_are_checked_too(client: TestClient,
                                                       auth: dict[str, str]) -> None:
    registration = client.post("/registrations", json=registrant_data(), headers=auth).json()
    response = client.post(f"/registrations/{registration['id']}/certificates", headers=auth,
                           json={"type": "good-standing", "purpose": "Registration abroad",
                                 "addressee": "General Medical \u202eCouncil"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("addressee: U+202E RIGHT-TO-LEFT OVERRIDE")
