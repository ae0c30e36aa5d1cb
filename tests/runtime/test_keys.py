"""Key resolution: the explicit mapping, then the descriptor's environment variable.

Run against the registry compiled from tests/registry/, passed as ``registry=``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from llm_registry import runtime
from llm_registry.runtime import Registry
from tests.runtime.conftest import make_descriptor

KEYED = [
    "wire-openai",
    "wire-anthropic",
    "wire-gemini",
    "wire-aggregator",
    "wire-custom",
    "wire-templated",
]
KEYLESS = ["wire-local"]


def test_the_registry_has_keyed_and_keyless_providers(test_registry: Registry) -> None:
    descriptors = runtime.providers(registry=test_registry)
    assert [d.id for d in descriptors if d.api_key is not None] == KEYED
    assert [d.id for d in descriptors if d.api_key is None] == KEYLESS


@pytest.fixture(autouse=True)
def _no_keys_in_env(test_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    for descriptor in runtime.providers(registry=test_registry) + runtime.providers():
        if descriptor.api_key is not None:
            monkeypatch.delenv(descriptor.api_key.env, raising=False)


@pytest.mark.parametrize("provider_id", KEYED)
def test_explicit_mapping_wins_over_the_environment(
    test_registry: Registry, provider_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    descriptor = runtime.get_provider(provider_id, registry=test_registry)
    assert descriptor.api_key is not None
    env = descriptor.api_key.env
    assert runtime.resolve_api_key(provider_id, registry=test_registry) is None
    monkeypatch.setenv(env, "from-env")
    assert runtime.resolve_api_key(provider_id, registry=test_registry) == "from-env"
    assert runtime.resolve_api_key(descriptor, {provider_id: "explicit"}) == "explicit"
    # A mapping entry for another provider does not count.
    assert runtime.resolve_api_key(descriptor, {"someone-else": "x"}) == "from-env"


@pytest.mark.parametrize("provider_id", KEYED)
def test_can_proceed_names_the_provider_and_its_variable(
    test_registry: Registry, provider_id: str
) -> None:
    descriptor = runtime.get_provider(provider_id, registry=test_registry)
    assert descriptor.api_key is not None
    check = runtime.can_proceed(provider_id, registry=test_registry)
    assert not check.ok
    assert check.message is not None
    assert check.message.startswith(
        f"Please add your {descriptor.display_name} API key in Settings"
    )
    assert descriptor.api_key.env in check.message
    assert runtime.can_proceed(descriptor, {provider_id: "k"}).ok
    assert runtime.can_proceed(provider_id, {provider_id: "k"}, registry=test_registry).ok


@pytest.mark.parametrize("provider_id", KEYLESS)
def test_keyless_providers_always_proceed_and_have_no_key(
    test_registry: Registry, provider_id: str
) -> None:
    descriptor = runtime.get_provider(provider_id, registry=test_registry)
    assert runtime.can_proceed(descriptor) == runtime.KeyCheck(ok=True)
    assert runtime.can_proceed(provider_id, registry=test_registry) == runtime.KeyCheck(ok=True)
    assert runtime.resolve_api_key(descriptor, {provider_id: "ignored"}) is None


def test_blank_values_count_as_missing_and_whitespace_is_trimmed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    descriptor = make_descriptor()
    monkeypatch.setenv("TEST_LOOPBACK_API_KEY", "   ")
    assert runtime.resolve_api_key(descriptor, {descriptor.id: ""}) is None
    assert not runtime.can_proceed(descriptor).ok
    monkeypatch.setenv("TEST_LOOPBACK_API_KEY", " sk-pasted\n")
    assert runtime.resolve_api_key(descriptor) == "sk-pasted"
    assert runtime.resolve_api_key(descriptor, {descriptor.id: " sk-x "}) == "sk-x"


def test_a_provider_id_string_is_looked_up_in_the_registry_given(
    test_registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIRE_GEMINI_API_KEY", "sk-gem")
    assert runtime.resolve_api_key("wire-gemini", registry=test_registry) == "sk-gem"
    with pytest.raises(runtime.UnknownProviderError):
        runtime.resolve_api_key("nope", registry=test_registry)
    # Not in the default (curated) registry.
    with pytest.raises(runtime.UnknownProviderError):
        runtime.resolve_api_key("wire-gemini")


def test_create_provider_without_a_key_is_a_config_error(test_registry: Registry) -> None:
    with pytest.raises(runtime.MissingApiKeyError) as caught:
        runtime.create_provider("wire-openai", registry=test_registry)
    assert caught.value.kind == "config"
    assert "WIRE_OPENAI_API_KEY" in str(caught.value)
    # Keyless providers need none.
    keyless = runtime.create_provider("wire-local", registry=test_registry)
    assert keyless.provider_id == "wire-local"


def test_a_provider_object_never_shows_its_key(test_registry: Registry) -> None:
    provider = runtime.create_provider(
        "wire-anthropic", api_key="sk-very-secret-key", registry=test_registry
    )
    assert "sk-very-secret-key" not in repr(provider)
    assert "sk-very-secret-key" not in str(provider)


# Keys that no HTTP header can carry: a line break from a bad paste, a tab, a NUL, non-ASCII.
# The transport would refuse them with an error quoting the whole header, key included.
UNSENDABLE_KEYS = [
    "sk-part1\nsk-part2",
    "sk-part1\r\nsk-part2",
    "sk-tab\tinside",
    "sk-nul\x00inside",
    "sk-caf\u00e9-accent",
    "sk-zero\u200bwidth",
]


def _assert_hides(message: str, key: str) -> None:
    assert key not in message and repr(key)[1:-1] not in message
    for piece in "".join(c if c.isascii() and c.isprintable() else " " for c in key).split():
        assert piece not in message, f"{piece!r} of the key is in {message!r}"


@pytest.mark.parametrize("key", UNSENDABLE_KEYS, ids=repr)
def test_a_key_no_header_can_carry_is_refused_without_showing_it(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    descriptor = make_descriptor()
    if "\x00" not in key:  # the environment cannot hold a NUL
        monkeypatch.setenv("TEST_LOOPBACK_API_KEY", key)
        with pytest.raises(runtime.ConfigError) as from_env:
            runtime.resolve_api_key(descriptor)
        assert "TEST_LOOPBACK_API_KEY" in str(from_env.value)
        _assert_hides(str(from_env.value), key)
        _assert_hides(repr(from_env.value), key)

        check = runtime.can_proceed(descriptor)
        assert not check.ok and check.message is not None
        assert "TEST_LOOPBACK_API_KEY" in check.message
        _assert_hides(check.message, key)
        monkeypatch.delenv("TEST_LOOPBACK_API_KEY")

    check = runtime.can_proceed(descriptor, {descriptor.id: key})
    assert not check.ok and check.message is not None
    _assert_hides(check.message, key)
    with pytest.raises(runtime.ConfigError) as from_mapping:
        runtime.resolve_api_key(descriptor, {descriptor.id: key})
    _assert_hides(str(from_mapping.value), key)
    builds: list[Callable[[], object]] = [
        lambda: runtime.create_provider(descriptor, api_key=key),
        lambda: runtime.create_provider(descriptor, api_keys={descriptor.id: key}),
        lambda: runtime.BaseOpenAICompatibleProvider(descriptor, api_key=key),
        lambda: runtime.AnthropicProvider(descriptor, api_key=key),
        lambda: runtime.GeminiProvider(descriptor, api_key=key),
    ]
    for build in builds:
        with pytest.raises(runtime.ConfigError) as built:
            build()
        _assert_hides(str(built.value), key)


def test_a_sendable_key_with_any_printable_ascii_is_kept() -> None:
    descriptor = make_descriptor()
    key = "sk-AZaz09-_.~+/=:!@#$%^&*()[]{}|;',<>?`\"\\"
    assert runtime.resolve_api_key(descriptor, {descriptor.id: key}) == key
    assert runtime.can_proceed(descriptor, {descriptor.id: key}).ok


def test_redact_also_removes_a_keys_escaped_forms() -> None:
    from llm_registry.runtime._errors import redact

    key = "sk-part1\nsk-part2"
    for text in (
        f"Illegal header value b'Bearer {repr(key)[1:-1]}'",
        f"header {key.encode()!r}",
        f"raw {key}",
    ):
        assert "sk-part" not in redact(text, key)
    accented = "sk-caf\u00e9-latte"
    assert "sk-caf" not in redact(f"value {accented.encode()!r}", accented)


def test_redact_removes_a_key_in_any_case_cut_short_or_percent_encoded() -> None:
    from llm_registry.runtime._errors import MIN_KEY_FRAGMENT, redact

    key = "sk-proj/Ab12+Cd34=Ef56Gh78"
    for echoed in (
        key.upper(),
        key[:-1],
        key[5:],
        "sk-proj%2FAb12%2BCd34%3DEf56Gh78",
        "sk-proj%2fab12%2bcd34%3def56gh78",
        "sk-proj/Ab12%2BCd34%3DEf56Gh78",
    ):
        assert redact(f"bad key: {echoed}.", key) == "bad key: [REDACTED].", echoed
    # Fewer characters of it in a row are ordinary text: a prefix every key shares, a word.
    short = key[: MIN_KEY_FRAGMENT - 1]
    assert redact(f"keys start {short}", key) == f"keys start {short}"
    # A key shorter than that goes only whole (in any case).
    assert redact("Bad KEY: ABC-12345 (abc-1234)", "abc-12345") == "Bad KEY: [REDACTED] (abc-1234)"


def test_a_placeholder_key_is_neither_removed_nor_used_to_judge_text() -> None:
    from llm_registry.runtime._errors import MIN_SECRET_LENGTH, key_detector, redact

    # Local servers take any key; "x" or "mock" is no secret, and removing every "x" from a
    # message, or dropping every model whose id holds "mock", would mangle what it protects.
    for placeholder in ("x", "mock", "ollama", "a" * (MIN_SECRET_LENGTH - 1)):
        text = f"model mock-x-large: {placeholder} rejected"
        assert redact(text, placeholder) == text
        assert not key_detector(placeholder)(text)
    assert redact("key sk-12345678 rejected", "sk-12345678") == "key [REDACTED] rejected"


def test_a_key_split_across_streamed_pieces_is_still_removed() -> None:
    from llm_registry.runtime._errors import StreamRedactor

    key = "sk-live-0123456789abcdef"
    reply = f"Your key is {key}, and again {key.upper()} - done."
    for size in (1, 2, 5, 11, 12, 13, 40):
        redactor = StreamRedactor(key)
        pieces = [reply[i : i + size] for i in range(0, len(reply), size)]
        shown = "".join(redactor.feed(piece) for piece in pieces) + redactor.finish()
        assert shown == "Your key is [REDACTED], and again [REDACTED] - done.", size
    # Without a key, text passes straight through, piece by piece.
    assert StreamRedactor(None).feed("hello") == "hello"


def test_key_detector_finds_what_redact_removes() -> None:
    from llm_registry.runtime._errors import key_detector, redact

    key = "sk-discovery-0123456789abcdef"
    holds_key = key_detector(key)
    for text in (f"model-{key.upper()}", key[3:16], "gpt-5.5", f"x{key[:11]}y"):
        assert holds_key(text) == (redact(text, key) != text), text
    assert holds_key(key[3:16]) and not holds_key("gpt-5.5")
