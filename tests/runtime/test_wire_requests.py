"""What each provider class puts on the wire, read back from the loopback server's log."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pytest

from llm_registry import runtime
from llm_registry.runtime import (
    AssistantMessage,
    ImageAttachment,
    PdfAttachment,
    Registry,
    TextAttachment,
    ToolCall,
    ToolResultMessage,
    ToolSpec,
    UserMessage,
    WebpageAttachment,
)
from llm_registry.runtime._chat.gemini import FOREIGN_CALL_SIGNATURE
from tests.fixture_registry import TEST_REGISTRY_DIR
from tests.loopback import Format, LoopbackServer, Recorded
from tests.runtime.conftest import TEST_KEY, make_descriptor
from tests.runtime.custom_provider import BudgetAwareProvider

PNG = b"\x89PNG\r\n\x1a\n fake image bytes"
PDF = b"%PDF-1.7 fake document"
WEATHER = ToolSpec(
    name="get_weather",
    description="Current weather for a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)

CONVERSATION: list[runtime.Message] = [
    UserMessage(
        "What is in these?",
        attachments=(
            ImageAttachment(PNG, "image/png"),
            TextAttachment("line one\nline two", name="notes.txt"),
            WebpageAttachment(url="https://example.com/a", text="Page body", title="A page"),
            PdfAttachment(PDF, name="spec.pdf"),
        ),
    ),
    AssistantMessage(
        "Let me check the weather.",
        tool_calls=(ToolCall("call_1", "get_weather", '{"city": "Paris"}'),),
    ),
    ToolResultMessage("call_1", "18°C and sunny"),
    UserMessage("Thanks!"),
]


def _send(
    server: LoopbackServer,
    wire_format: str,
    model: str = "plain-model",
    messages: list[runtime.Message] | None = None,
    descriptor: Any = None,
    api_key: str | None = TEST_KEY,
    **options: Any,
) -> Recorded:
    provider = runtime.create_provider(
        descriptor or make_descriptor(wire_format),
        api_key=api_key,
        base_url=server.base_url("ok", wire_format),  # type: ignore[arg-type]
        timeout=10,
    )

    async def run() -> None:
        await runtime.collect(provider.stream(model, messages or [UserMessage("Hi")], **options))

    asyncio.run(run())
    assert len(server.requests) == 1
    return server.requests[0]


# OpenAI-compatible


def test_openai_request(llm_server: LoopbackServer) -> None:
    sent = _send(
        llm_server,
        "openai",
        messages=CONVERSATION,
        system="Be brief.",
        tools=[WEATHER],
        temperature=0.2,
    )
    assert sent.path == "/ok/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {TEST_KEY}"
    body = sent.json
    assert body["model"] == "plain-model"
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["temperature"] == 0.2
    assert "reasoning_effort" not in body and "max_tokens" not in body
    messages = body["messages"]
    assert messages[0] == {"role": "system", "content": "Be brief."}
    user = messages[1]
    assert user["role"] == "user"
    text, image, pdf = user["content"]
    assert text["type"] == "text"
    assert '<attachment name="notes.txt">\nline one\nline two\n</attachment>' in text["text"]
    assert (
        '<webpage url="https://example.com/a" title="A page">\nPage body\n</webpage>'
        in text["text"]
    )
    assert text["text"].endswith("What is in these?")
    assert image == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()},
    }
    assert pdf["type"] == "file" and pdf["file"]["filename"] == "spec.pdf"
    assert (
        pdf["file"]["file_data"] == "data:application/pdf;base64," + base64.b64encode(PDF).decode()
    )
    assert messages[2] == {
        "role": "assistant",
        "content": "Let me check the weather.",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    }
    assert messages[3] == {"role": "tool", "tool_call_id": "call_1", "content": "18°C and sunny"}
    assert messages[4] == {"role": "user", "content": "Thanks!"}
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": WEATHER.description,
                "parameters": dict(WEATHER.parameters),
            },
        }
    ]


def test_openai_reasoning_effort_where_the_model_declares_it(llm_server: LoopbackServer) -> None:
    body = _send(
        llm_server, "openai", model="effort-model", reasoning_effort="high", max_output_tokens=500
    ).json
    assert body["reasoning_effort"] == "high"
    assert body["max_completion_tokens"] == 500 and "max_tokens" not in body
    llm_server.clear()
    # A registry model that does not reason gets no reasoning field.
    body = _send(
        llm_server, "openai", model="plain-model", reasoning_effort="high", max_output_tokens=500
    ).json
    assert "reasoning_effort" not in body
    assert body["max_tokens"] == 500
    llm_server.clear()
    # A reasoning model asked for no particular effort still gets the newer field.
    body = _send(llm_server, "openai", model="effort-model", max_output_tokens=500).json
    assert body["max_completion_tokens"] == 500 and "reasoning_effort" not in body
    llm_server.clear()
    # A model the registry does not list: passed on as asked.
    body = _send(llm_server, "openai", model="custom-deployment", reasoning_effort="low").json
    assert body["reasoning_effort"] == "low"


@pytest.mark.parametrize("wire_format", ["openai", "anthropic", "gemini"])
def test_reasoning_settings_are_checked_against_the_registry_before_sending(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    with pytest.raises(runtime.BadRequestError, match="low, medium, high"):
        _send(llm_server, wire_format, model="effort-model", reasoning_effort="extreme")
    with pytest.raises(runtime.BadRequestError, match="at least 1024"):
        _send(llm_server, wire_format, model="budget-model", reasoning_budget=10)
    assert llm_server.requests == []


def test_openai_descriptor_headers_and_no_openai_account_leaks(
    llm_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-must-not-travel")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-must-not-travel")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-must-not-travel")
    descriptor = make_descriptor(
        "openai", headers={"HTTP-Referer": "https://app.example", "X-Title": "App"}
    )
    sent = _send(llm_server, "openai", descriptor=descriptor)
    assert sent.headers["http-referer"] == "https://app.example"
    assert sent.headers["x-title"] == "App"
    assert "openai-organization" not in sent.headers
    assert "openai-project" not in sent.headers
    assert "must-not-travel" not in json.dumps(dict(sent.headers))
    llm_server.clear()
    # Keyless: OPENAI_API_KEY from the environment is not sent to a local server either.
    sent = _send(
        llm_server, "openai", descriptor=make_descriptor("openai", api_key=None), api_key=None
    )
    assert "must-not-travel" not in json.dumps(dict(sent.headers))


# Anthropic


def test_anthropic_request(llm_server: LoopbackServer) -> None:
    sent = _send(
        llm_server, "anthropic", messages=CONVERSATION, system="Be brief.", tools=[WEATHER]
    )
    assert sent.path == "/ok/v1/messages"
    assert sent.headers["x-api-key"] == TEST_KEY
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in sent.headers
    body = sent.json
    assert body["system"] == "Be brief."  # top level, not a message
    assert body["stream"] is True
    assert body["max_tokens"] == 1024  # the registry's max_output_tokens for the model
    user, assistant, results = body["messages"]
    assert user["role"] == "user"
    image, document, text = user["content"]
    assert image == {
        "type": "image",
        "source": {
            "type": "base64",
            "media_type": "image/png",
            "data": base64.b64encode(PNG).decode(),
        },
    }
    assert document["type"] == "document" and document["source"]["media_type"] == "application/pdf"
    assert text["type"] == "text" and '<attachment name="notes.txt">' in text["text"]
    assert text["text"].endswith("What is in these?")
    assert assistant == {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "Let me check the weather."},
            {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}},
        ],
    }
    # The tool result and the next user text share one user turn.
    assert results == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "call_1", "content": "18°C and sunny"},
            {"type": "text", "text": "Thanks!"},
        ],
    }
    assert body["tools"] == [
        {
            "name": "get_weather",
            "description": WEATHER.description,
            "input_schema": dict(WEATHER.parameters),
        }
    ]


def test_anthropic_reasoning(llm_server: LoopbackServer) -> None:
    body = _send(llm_server, "anthropic", model="budget-model", reasoning_budget=2048).json
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["max_tokens"] > 2048
    llm_server.clear()
    body = _send(llm_server, "anthropic", model="effort-model", reasoning_effort="medium").json
    assert body["output_config"] == {"effort": "medium"}
    llm_server.clear()
    body = _send(
        llm_server, "anthropic", model="plain-model", reasoning_budget=2048, max_output_tokens=300
    ).json
    assert "thinking" not in body and body["max_tokens"] == 300


# Gemini


def test_gemini_request(llm_server: LoopbackServer) -> None:
    sent = _send(
        llm_server,
        "gemini",
        messages=CONVERSATION,
        system="Be brief.",
        tools=[WEATHER],
        max_output_tokens=256,
    )
    assert sent.path == "/ok/v1beta/models/plain-model:streamGenerateContent"
    assert sent.query == {"alt": "sse"}  # and no key in the query string
    assert sent.headers["x-goog-api-key"] == TEST_KEY
    assert "authorization" not in sent.headers
    body = sent.json
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert body["generationConfig"] == {"maxOutputTokens": 256}
    user, model, results = body["contents"]
    assert user["role"] == "user"
    text, image, pdf = user["parts"]
    assert text["text"].endswith("What is in these?") and "<webpage" in text["text"]
    assert image == {
        "inlineData": {"mimeType": "image/png", "data": base64.b64encode(PNG).decode()}
    }
    assert pdf == {
        "inlineData": {"mimeType": "application/pdf", "data": base64.b64encode(PDF).decode()}
    }
    assert model == {
        "role": "model",
        "parts": [
            {"text": "Let me check the weather."},
            {
                "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                # A call Gemini did not sign: the documented stand-in signature.
                "thoughtSignature": FOREIGN_CALL_SIGNATURE,
            },
        ],
    }
    # The tool's name comes from the call the assistant made.
    assert results == {
        "role": "user",
        "parts": [
            {
                "functionResponse": {
                    "name": "get_weather",
                    "response": {"content": "18°C and sunny"},
                }
            },
            {"text": "Thanks!"},
        ],
    }
    assert body["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": WEATHER.description,
                    "parameters": dict(WEATHER.parameters),
                }
            ]
        }
    ]


def test_gemini_reasoning(llm_server: LoopbackServer) -> None:
    body = _send(llm_server, "gemini", model="budget-model", reasoning_budget=4096).json
    assert body["generationConfig"]["thinkingConfig"] == {
        "thinkingBudget": 4096,
        "includeThoughts": True,
    }
    llm_server.clear()
    body = _send(llm_server, "gemini", model="effort-model", reasoning_effort="low").json
    assert body["generationConfig"]["thinkingConfig"] == {
        "thinkingLevel": "low",
        "includeThoughts": True,
    }


def test_gemini_model_path_accepts_the_models_prefix(llm_server: LoopbackServer) -> None:
    sent = _send(llm_server, "gemini", model="models/gemini-2.5-flash")
    assert sent.path == "/ok/v1beta/models/gemini-2.5-flash:streamGenerateContent"


# Every provider of the test registry


@pytest.mark.parametrize(
    "provider_id", sorted(p.stem for p in (TEST_REGISTRY_DIR / "providers").glob("*.yaml"))
)
def test_every_registry_provider_streams_through_its_class(
    llm_server: LoopbackServer, test_registry: Registry, provider_id: str
) -> None:
    descriptor: Any = runtime.get_provider(provider_id, registry=test_registry)
    formats: dict[str, Format] = {
        "openai_compatible": "openai",
        "anthropic": "anthropic",
        "google": "gemini",
    }
    wire_format = formats[descriptor.implementation]
    model = descriptor.default_models[0].id if descriptor.default_models else "some-model"
    provider = runtime.create_provider(
        descriptor,
        registry=test_registry,
        api_key="sk-registry-test",
        base_url=llm_server.base_url("ok", wire_format),
        timeout=10,
        # wire-custom names a class the app registers; tests/runtime/custom_provider.py has it.
        provider_classes={"budget-aware": BudgetAwareProvider},
    )
    result = asyncio.run(runtime.collect(provider.stream(model, [UserMessage("Hi")])))
    assert result.text == "Hello from the loopback server."
    sent = llm_server.requests[-1]
    for name, value in (descriptor.headers or {}).items():
        assert sent.headers[name.lower()] == value


@pytest.mark.parametrize("wire_format", ["anthropic", "gemini"])
def test_tool_call_arguments_nested_too_deep_to_decode_go_back_as_an_empty_object(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    # The arguments came from an earlier reply, so from the server: they may be anything.
    deep = "[" * 200_000 + "]" * 200_000
    messages: list[runtime.Message] = [
        UserMessage("Go"),
        AssistantMessage("", tool_calls=(ToolCall("call_1", "get_weather", deep),)),
        ToolResultMessage("call_1", "done"),
    ]
    body = _send(llm_server, wire_format, messages=messages).json
    if wire_format == "anthropic":
        assert body["messages"][1]["content"][0]["input"] == {}
    else:
        assert body["contents"][1]["parts"][0]["functionCall"]["args"] == {}
