"""Property-based fuzzing of a service's own OpenAPI document with schemathesis: every documented
operation gets requests that fit its schema and requests that do not, and none may answer 5xx.

Bounded and reproducible: a few examples per operation and mode, ``derandomize`` (the same cases
on every run, so CI is stable), no example database written into the checkout, no deadline (the
suite measures no time).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis.strategies import SearchStrategy
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.python import asgi

Headers = Callable[[str], Mapping[str, str]]
"""The fixed headers (credentials) of requests to a path; the rest of each request is fuzzed."""


def fuzz_openapi(app: Any, *, headers: Headers = lambda _path: {},
                 max_examples: int = 4) -> list[str]:
    """Fuzz every operation of ``app``'s ``/openapi.json``, positive then negative; raises on
    the first 5xx (schemathesis names the request and how to reproduce it). Returns the
    operations fuzzed, so a test can check that none was skipped."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    fuzzed = []
    with asgi.get_client(app) as client:
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()  # the document itself is not valid OpenAPI
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation.as_strategy(mode, headers=dict(headers(operation.path))),
                      client=client, max_examples=max_examples,
                      negative=mode is GenerationMode.NEGATIVE)
            fuzzed.append(f"{operation.method.upper()} {operation.path}")
    return fuzzed


def _fuzz(strategy: SearchStrategy[Case[Any]], *, client: Any, max_examples: int,
          negative: bool) -> None:
    @given(case=strategy)
    @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
              print_blob=False)
    def run(case: Case[Any]) -> None:
        case.call_and_validate(session=client, checks=[not_a_server_error])

    try:
        run()
    except Unsatisfiable:
        if not negative:
            raise  # else the operation takes nothing that could be made invalid
