"""What every request model and parameter of the issuer shares: record ids within the
database's range, and text without control characters.

Both are refused as bad input (400 ``request.invalid``) before they reach a query: PostgreSQL
answers an id past its ``INTEGER`` or a string holding NUL with an error, which would otherwise be
a 500. The URL's path and query string are checked once for every route by
``schemas.http.RefuseControlCharacters``; request bodies here, field by field, so the problem
names the field. No FastAPI import: the CLI validates its input with the same models.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, partial
from typing import Annotated, Any, get_args

from annotated_types import Ge, Le
from pydantic import AfterValidator, BaseModel, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

from schemas.http import control_character

MAX_ID = 2**31 - 1
"""Every id column is ``INTEGER`` (``issuer/migrations``), 32 bits on PostgreSQL."""

DbId = Annotated[int, Ge(1), Le(MAX_ID)]
"""A record's id, in a path, a query or a body."""


class _FreeText:
    """Marks a field whose text may hold tabs and line breaks (a message, a note)."""


FREE_TEXT = _FreeText()


def refuse_control_characters(value: Any, *, free_text: bool = False) -> Any:
    """``value`` as is, unless a string in it (any key or item, at any depth) holds a C0 control
    character or DEL (free text may hold tabs and line breaks): then ``ValueError``, naming where
    the character is and which it is."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, str):
            found = control_character(node, free_text=free_text)
            if found is not None:
                raise ValueError(f"{where or 'the text'} holds the control character {found}")
        elif isinstance(node, Mapping):
            stack.extend((f"a key of {where or 'the object'}", key) for key in node)
            stack.extend((f"{where}/{key}".lstrip("/"), item) for key, item in node.items())
        elif isinstance(node, list | tuple):
            stack.extend((f"{where}/{i}".lstrip("/"), item) for i, item in enumerate(node))
    return value


Clean = AfterValidator(refuse_control_characters)
"""For a parameter that is not a field of an ``Input`` model: a header, a form field, a
free-form object."""
CleanText = AfterValidator(partial(refuse_control_characters, free_text=True))
"""``Clean``, for a form field of free text: it may hold tabs and line breaks."""
FreeText = Annotated[str, FREE_TEXT]
"""A string field of an ``Input`` model that may hold tabs and line breaks."""


class Input(BaseModel):
    """A request body: no string in any field holds a control character (``FreeText`` fields
    may hold tabs and line breaks). Nested models are ``Input`` models and check their own."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, BaseModel) or info.field_name is None:
            return value
        return refuse_control_characters(value, free_text=_free_text(cls, info.field_name))


@cache
def _free_text(model: type[BaseModel], name: str) -> bool:
    """Whether ``model.name`` is free text, worked out once per field (not once per value: a
    register import validates hundreds of thousands of rows)."""
    return _is_free_text(model.model_fields[name])


def _is_free_text(field: FieldInfo) -> bool:
    return FREE_TEXT in field.metadata or _marked(field.annotation)


def _marked(annotation: Any) -> bool:
    """``FreeText`` anywhere in the annotation (``FreeText | None`` keeps it inside the union)."""
    return any(arg is FREE_TEXT or _marked(arg) for arg in get_args(annotation))
