"""Validated input for the register, shared by the HTTP API, the CLI and the demo loader."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import ConfigDict, EmailStr, Field, model_validator

from issuer.inputs import Input


class QualificationIn(Input):
    model_config = ConfigDict(extra="forbid")
    degree: str = Field(min_length=1, max_length=200)
    university: str = Field(min_length=1, max_length=200)
    college: str | None = Field(default=None, max_length=200)
    year: int = Field(ge=1900, le=2200)


class ProfessionalIn(Input):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    name_hi: str | None = Field(default=None, max_length=200)
    father_name: str = Field(min_length=1, max_length=200)
    date_of_birth: date | None = None
    gender: Literal["M", "F", "O"] | None = None
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=32)
    digilocker_id: str | None = Field(default=None, max_length=64)


class RegistrationIn(Input):
    model_config = ConfigDict(extra="forbid")
    council_id: str = Field(min_length=1, max_length=32)
    registration_number: str = Field(min_length=1, max_length=40)
    registration_date: date
    registration_type: Literal["permanent", "provisional"]
    qualifications: list[QualificationIn] = Field(min_length=1, max_length=8)
    valid_from: date
    valid_until: date

    @model_validator(mode="after")
    def _window(self) -> RegistrationIn:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


class RegistrantIn(Input):
    """One professional with one registration: the shape of the reference fixture."""

    model_config = ConfigDict(extra="ignore")
    professional: ProfessionalIn
    registration: RegistrationIn
