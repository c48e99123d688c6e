"""Councils and professions are data: a new profession is a file, validated before use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemas.errors import ConfigurationError, NotFound
from schemas.registry import default_registry, load_registry

NURSING = {
    "professions": [{"id": "nursing", "name": "Nursing", "name_hi": "नर्सिंग",
                     "practitioner": "Registered nurse"}],
    "councils": [{"id": "hnc", "name": "Haryana Nurses and Nurse-Midwives Council",
                  "name_hi": "हरियाणा नर्सेज एवं नर्स-मिडवाइव्स काउंसिल", "profession": "nursing",
                  "registration_prefix": "HNC"}],
}


def test_first_councils_cover_the_five_professions() -> None:
    registry = default_registry()
    assert {c.profession for c in registry.councils.values()} == {
        "medical", "dental", "pharmacy", "ayush", "homoeopathy"}
    assert set(registry.certificate_types) == {"registration", "good-standing", "noc"}


def test_nursing_is_added_by_a_data_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "nursing.json"
    path.write_text(json.dumps(NURSING, ensure_ascii=False), "utf-8")
    registry = load_registry([path])
    council = registry.council("hnc")
    assert council.profession == "nursing"
    assert registry.professions["nursing"].name_hi == "नर्सिंग"
    with pytest.raises(NotFound):
        default_registry().council("hnc")


@pytest.mark.parametrize(("broken", "message"), [
    ({"councils": [{**NURSING["councils"][0], "profession": "physiotherapy"}]},
     "names profession 'physiotherapy'"),
    ({"councils": [{**NURSING["councils"][0], "registration_prefix": "h1"}]},
     "councils/0/registration_prefix"),
    ({"surprise": []}, "must not contain {'surprise'}"),
])
def test_a_broken_data_file_is_refused_with_its_place(tmp_path: Path, broken: dict[str, object],
                                                      message: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), "utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_registry([path])
    assert message in caught.value.detail


def test_unknown_council_names_the_known_ones() -> None:
    with pytest.raises(NotFound) as caught:
        default_registry().council("xyz")
    assert caught.value.code == "not_found" and "hmc" in (caught.value.hint or "")
