"""JSON Schema validation of loaded YAML documents, with problems located by line."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from vectora_gitops.desired.yamlfile import YamlDoc
from vectora_gitops.errors import Problem, cut

LIMIT = 120  # characters of a value shown in a message


@cache
def validator(name: str) -> Draft202012Validator:
    """The validator of a packaged schema, e.g. `environment` or `canonical.prompt`."""
    text = resources.files("vectora_gitops").joinpath(f"schemas/{name}.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def check(doc: YamlDoc, name: str) -> list[Problem]:
    """Every schema problem of `doc`, one per error, in file order."""
    errors = sorted(validator(name).iter_errors(doc.data), key=lambda e: list(map(str, e.path)))
    problems = [_problem(doc, err) for err in errors]
    return sorted(problems, key=lambda p: p.line or 0)


def _problem(doc: YamlDoc, err: ValidationError) -> Problem:
    err = _deepest(err)
    key = tuple(err.absolute_path)
    where = ".".join(str(k) for k in key) or "(top level)"
    message = _message(err)
    lossy = doc.lossy.get(key)
    if lossy is not None:
        message = f"'{lossy}' is read as the number {err.instance!r}; quote it (\"{lossy}\")"
    elif err.validator == "type" and isinstance(err.instance, int | float) and "string" in str(
        err.validator_value
    ):
        message = f"{err.instance!r} is a number where text is expected; quote it"
    return Problem(doc.path, f"{where}: {message}", doc.line_of(_located_key(err, key)),
                   rule="schema")


def _allowed(err: ValidationError) -> dict[str, object]:
    schema = err.schema
    return dict(schema.get("properties", {})) if isinstance(schema, dict) else {}


def _located_key(err: ValidationError, key: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """For an unexpected key, the key itself (its line), not the mapping holding it."""
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        extra = [k for k in err.instance if k not in _allowed(err)]
        if extra:
            return (*key, extra[0])
    return key


def _deepest(err: ValidationError) -> ValidationError:
    """For "not valid under any of the given schemas", the problem inside the alternative whose
    type matched (e.g. the one bad item of a technology scope), when there is exactly one."""
    while err.validator in ("oneOf", "anyOf") and err.context:
        fitting = [e for e in err.context if not (e.validator == "type" and not e.relative_path)]
        branches = {e.relative_schema_path[0] for e in fitting}
        if len(branches) != 1:
            break
        err = min(fitting, key=lambda e: -len(e.relative_path))
    return err


def _message(err: ValidationError) -> str:
    if err.validator == "additionalProperties":
        allowed = sorted(_allowed(err))
        return f"{err.message}; allowed keys: {', '.join(allowed)}"
    if err.validator == "pattern":
        return f"{cut(repr(err.instance))} does not match the expected form {err.validator_value}"
    shown = repr(err.instance)
    return err.message.replace(shown, cut(shown)) if len(shown) > LIMIT else err.message
