"""The error hierarchy, key redaction and the one mapping from HTTP status and body."""

from __future__ import annotations

import pytest

from llm_registry import runtime
from llm_registry.runtime import (
    AuthenticationError,
    BadRequestError,
    ConfigError,
    ContextLimitError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
)
from llm_registry.runtime._error_mapping import error_from_response
from llm_registry.runtime._errors import redact
from tests.runtime.conftest import make_descriptor

KEY = "sk-proj-ABCDEFGH12345678abcdefgh"


def test_hierarchy_and_kinds() -> None:
    expected = {
        runtime.ConfigError: "config",
        runtime.UnknownProviderError: "config",
        runtime.InvalidModelIdError: "config",
        runtime.MissingApiKeyError: "config",
        runtime.AuthenticationError: "auth",
        runtime.RateLimitError: "rate_limit",
        runtime.ContextLimitError: "context_limit",
        runtime.ProviderUnavailableError: "unavailable",
        runtime.BadRequestError: "bad_request",
    }
    for cls, kind in expected.items():
        assert issubclass(cls, ProviderError)
        assert cls.kind == kind
    for cls in (
        runtime.UnknownProviderError,
        runtime.InvalidModelIdError,
        runtime.MissingApiKeyError,
    ):
        assert issubclass(cls, ConfigError)


def test_the_hierarchy_is_drawn_in_the_module_docstring() -> None:
    import llm_registry.runtime._errors as errors

    assert errors.__doc__ is not None
    for name in errors.__all__:
        if name[0].isupper():
            assert name in errors.__doc__
    # Every error class the package exports, wherever it is defined.
    exported = [getattr(runtime, name) for name in runtime.__all__]
    for cls in exported:
        if isinstance(cls, type) and issubclass(cls, ProviderError) and cls is not ProviderError:
            assert f"── {cls.__name__} " in errors.__doc__, cls.__name__


def test_rate_limit_error_carries_retry_after() -> None:
    error = RateLimitError("slow down", retry_after=2.5, provider_id="p", status_code=429)
    assert (error.retry_after, error.provider_id, error.status_code) == (2.5, "p", 429)
    assert str(error) == "slow down"


def test_redact_removes_the_key_and_masked_echoes() -> None:
    text = (
        f"bad key {KEY}; header Bearer {KEY}. "
        "Incorrect API key provided: sk-proj-********************efgh."
    )
    cleaned = redact(text, KEY)
    assert KEY not in cleaned
    assert "efgh" not in cleaned
    assert cleaned.count("[REDACTED]") == 3
    assert redact("nothing to hide", KEY, None, "") == "nothing to hide"


def _map(status: int | None, body: object, headers: dict[str, str] | None = None) -> ProviderError:
    return error_from_response(
        make_descriptor(), "plain-model", status=status, body=body, headers=headers, api_key=KEY
    )


def OPENAI(
    message: str, type_: str = "invalid_request_error", code: str | None = None
) -> dict[str, object]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def ANTHROPIC(type_: str, message: str) -> dict[str, object]:
    return {"type": "error", "error": {"type": type_, "message": message}}


def GEMINI(code: int, status: str, message: str) -> dict[str, object]:
    return {"error": {"code": code, "status": status, "message": message}}


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, OPENAI("Incorrect API key provided", code="invalid_api_key"), AuthenticationError),
        (401, ANTHROPIC("authentication_error", "invalid x-api-key"), AuthenticationError),
        (401, GEMINI(401, "UNAUTHENTICATED", "bad credentials"), AuthenticationError),
        (403, ANTHROPIC("permission_error", "no access"), AuthenticationError),
        (
            400,
            {
                "error": {
                    "code": 400,
                    "status": "INVALID_ARGUMENT",
                    "message": "API key not valid.",
                    "details": [{"reason": "API_KEY_INVALID"}],
                }
            },
            AuthenticationError,
        ),
        (429, OPENAI("Rate limit reached", "requests", "rate_limit_exceeded"), RateLimitError),
        (429, ANTHROPIC("rate_limit_error", "too many"), RateLimitError),
        (429, GEMINI(429, "RESOURCE_EXHAUSTED", "quota"), RateLimitError),
        (500, OPENAI("boom", "server_error"), ProviderUnavailableError),
        (529, ANTHROPIC("overloaded_error", "Overloaded"), ProviderUnavailableError),
        (503, GEMINI(503, "UNAVAILABLE", "overloaded"), ProviderUnavailableError),
        (502, "<html>Bad Gateway</html>", ProviderUnavailableError),
        (408, "", ProviderUnavailableError),
        (400, OPENAI("Invalid value for temperature"), BadRequestError),
        (404, ANTHROPIC("not_found_error", "model: claude-x"), BadRequestError),
        (404, GEMINI(404, "NOT_FOUND", "models/x is not found"), BadRequestError),
        (422, {"detail": "Unprocessable"}, BadRequestError),
        (307, "", ConfigError),
        # Overflow wins whatever the status.
        (
            400,
            OPENAI(
                "This model's maximum context length is 8192 tokens", code="context_length_exceeded"
            ),
            ContextLimitError,
        ),
        (400, OPENAI("bad", code="context_length_exceeded"), ContextLimitError),
        (
            400,
            ANTHROPIC(
                "invalid_request_error", "prompt is too long: 300000 tokens > 200000 maximum"
            ),
            ContextLimitError,
        ),
        (
            400,
            GEMINI(
                400,
                "INVALID_ARGUMENT",
                "The input token count (2000000) exceeds the maximum number of tokens allowed "
                "(1048576).",
            ),
            ContextLimitError,
        ),
        (
            400,
            {"message": "Prompt contains 40000 tokens, too large for model with 32768 maximum"},
            ContextLimitError,
        ),
        (  # Groq's tokens-per-minute budget says "too large for model" too: a rate limit
            413,
            {
                "error": {
                    "message": "Request too large for model `llama` in organization on tokens "
                    "per minute (TPM): Limit 6000, Requested 14810",
                    "type": "tokens",
                    "code": "rate_limit_exceeded",
                }
            },
            RateLimitError,
        ),
        (500, {"error": "the request exceeds the available context size"}, ContextLimitError),
        (
            429,
            OPENAI("the test context is full"),
            ContextLimitError,
        ),  # the descriptor's own pattern
        # Mid-stream error events (no status): classified by type, else "unavailable".
        (None, ANTHROPIC("overloaded_error", "Overloaded"), ProviderUnavailableError),
        (None, ANTHROPIC("rate_limit_error", "slow"), RateLimitError),
        (None, ANTHROPIC("invalid_request_error", "bad block"), BadRequestError),
        (None, GEMINI(429, "RESOURCE_EXHAUSTED", "quota"), RateLimitError),
        (None, {"error": {"message": "something broke"}}, ProviderUnavailableError),
        (None, "not even json", ProviderUnavailableError),
    ],
)
def test_status_and_body_map_to_one_class(status: int | None, body: object, expected: type) -> None:
    error = _map(status, body)
    assert type(error) is expected
    assert error.provider_id == "test-openai"
    assert "\n" not in str(error)


def test_retry_after_from_headers_and_from_gemini_retry_info() -> None:
    error = _map(429, OPENAI("slow"), {"Retry-After": "12"})
    assert isinstance(error, RateLimitError) and error.retry_after == 12.0
    error = _map(429, OPENAI("slow"), {"retry-after-ms": "1500", "retry-after": "9"})
    assert isinstance(error, RateLimitError) and error.retry_after == 1.5
    body = {
        "error": {
            "code": 429,
            "status": "RESOURCE_EXHAUSTED",
            "message": "quota",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "31s"}],
        }
    }
    error = _map(429, body)
    assert isinstance(error, RateLimitError) and error.retry_after == 31.0
    error = _map(429, OPENAI("slow"), {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert isinstance(error, RateLimitError) and error.retry_after == 0.0
    error = _map(429, OPENAI("slow"), {"Retry-After": "soon"})
    assert isinstance(error, RateLimitError) and error.retry_after is None


def test_messages_never_carry_the_key_and_stay_short() -> None:
    body = OPENAI(f"Incorrect API key provided: {KEY}. " + "x" * 5000)
    error = _map(401, body)
    assert KEY not in str(error) and KEY not in repr(error)
    assert len(str(error)) < 500
    assert "TEST_LOOPBACK_API_KEY" in str(error)  # says where the key came from


def test_a_json_error_body_cut_anywhere_still_gives_its_message_and_class() -> None:
    import json

    # Gemini's bad-key answer, its message carrying escapes a cut can fall inside.
    body = json.dumps(
        {
            "error": {
                "code": 400,
                "message": 'API key not valid \u00e9 "quoted" \\ back. ' * 3,
                "status": "INVALID_ARGUMENT",
                "details": [{"reason": "API_KEY_INVALID", "domain": "googleapis.com"}],
            }
        },
        ensure_ascii=True,
    )
    start = body.index('"message": "') + len('"message": "') + 1
    for cut in range(start, len(body) - 1):
        error = _map(400, body[:cut])
        assert "{" not in str(error) and '"message"' not in str(error), (cut, str(error))
        assert str(error).split("(HTTP 400): ", 1)[1].startswith("API key not valid"[: cut - start])
        # Whatever follows the message (the reason that makes it an auth error) may be cut.
        expected = AuthenticationError if cut >= body.index("API_KEY_INVALID") + 16 else None
        if expected is not None:
            assert isinstance(error, expected), (cut, str(error))
