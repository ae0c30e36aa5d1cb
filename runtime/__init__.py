"""A small runtime over a generated provider registry.

Any package ``llm-registry generate`` wrote is a registry: pass its ``REGISTRY`` (or
:func:`load_registry` of its name) as ``registry=`` to any entry point; without one, the
curated registry shipped with the runtime is used (:func:`default_registry`).

Look providers up (:func:`get_provider`, :func:`parse_model_id`), resolve their keys
(:func:`resolve_api_key`, :func:`locate_api_key`, :func:`can_proceed`: the app's mapping, then
the environment, then the user's key store, :func:`default_key_store`), build one
(:func:`create_provider`) and stream a reply as typed events or through callbacks; failures are
one hierarchy rooted at :class:`ProviderError`. Price a reply's :class:`Usage`
(:func:`estimate_cost`) and follow retired models to their replacements (:func:`resolve_model`).

Importing this package is cheap: no HTTP client, SDK, YAML or schema library is imported until
a stream starts, no keychain library until a key is looked for in the key store, and the
generated registry is loaded on the first lookup. Only lookups, keys,
context-limit detection and the errors load eagerly; everything else loads on first use.
"""

from typing import TYPE_CHECKING

from llm_registry.runtime._context import detect_context_limit_error
from llm_registry.runtime._errors import (
    AuthenticationError,
    BadRequestError,
    ConfigError,
    ContextLimitError,
    InvalidModelIdError,
    MissingApiKeyError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
    UnknownProviderError,
)
from llm_registry.runtime._keys import (
    FoundKey,
    KeyCheck,
    can_proceed,
    locate_api_key,
    mask_key,
    resolve_api_key,
)
from llm_registry.runtime._registry import (
    ModelRef,
    Registry,
    default_registry,
    get_provider,
    load_registry,
    parse_model_id,
    provider_label,
    providers,
)

if TYPE_CHECKING:
    from llm_registry.runtime._chat.anthropic import AnthropicProvider
    from llm_registry.runtime._chat.base import ChatProvider, ReasoningRequest
    from llm_registry.runtime._chat.events import (
        ChatResult,
        Finish,
        FinishReason,
        ReasoningDelta,
        ReasoningState,
        StreamEvent,
        TextDelta,
        ToolCall,
        ToolCallDelta,
        Usage,
        collect,
    )
    from llm_registry.runtime._chat.factory import create_provider
    from llm_registry.runtime._chat.gemini import GeminiProvider
    from llm_registry.runtime._chat.messages import (
        AssistantMessage,
        Attachment,
        ImageAttachment,
        Message,
        PdfAttachment,
        TextAttachment,
        ToolResultMessage,
        ToolSpec,
        UserMessage,
        WebpageAttachment,
    )
    from llm_registry.runtime._chat.openai_compatible import (
        BaseOpenAICompatibleProvider,
        OpenAIResponsesProvider,
    )
    from llm_registry.runtime._chat.options import ChatOptions
    from llm_registry.runtime._chat.provider_classes import register_provider_class
    from llm_registry.runtime._cost import Cost, CostPart, estimate_cost
    from llm_registry.runtime._discovery.refresh import refresh_all, refresh_periodically
    from llm_registry.runtime._discovery.service import DiscoveryResult, discover_models
    from llm_registry.runtime._keystore import (
        FileKeyStore,
        KeyringKeyStore,
        KeyStore,
        default_key_store,
    )
    from llm_registry.runtime._lifecycle import ResolvedModel, resolve_model
    from llm_registry.runtime._store.store import (
        ModelInfo,
        ModelStore,
        ModelStoreError,
        default_database_path,
    )

# Loaded on first access (PEP 562): streaming types and providers, discovery and the model
# store bring dataclass-heavy modules, asyncio and sqlite3, which together would more than
# double the cost of `import runtime` for code that only looks providers up.
_LAZY_EXPORTS = {
    **dict.fromkeys(
        (
            "ChatResult",
            "Finish",
            "FinishReason",
            "ReasoningDelta",
            "ReasoningState",
            "StreamEvent",
            "TextDelta",
            "ToolCall",
            "ToolCallDelta",
            "Usage",
            "collect",
        ),
        "llm_registry.runtime._chat.events",
    ),
    **dict.fromkeys(
        (
            "AssistantMessage",
            "Attachment",
            "ImageAttachment",
            "Message",
            "PdfAttachment",
            "TextAttachment",
            "ToolResultMessage",
            "ToolSpec",
            "UserMessage",
            "WebpageAttachment",
        ),
        "llm_registry.runtime._chat.messages",
    ),
    **dict.fromkeys(("Cost", "CostPart", "estimate_cost"), "llm_registry.runtime._cost"),
    **dict.fromkeys(("ResolvedModel", "resolve_model"), "llm_registry.runtime._lifecycle"),
    "AnthropicProvider": "llm_registry.runtime._chat.anthropic",
    "BaseOpenAICompatibleProvider": "llm_registry.runtime._chat.openai_compatible",
    "OpenAIResponsesProvider": "llm_registry.runtime._chat.openai_compatible",
    **dict.fromkeys(("ChatProvider", "ReasoningRequest"), "llm_registry.runtime._chat.base"),
    "ChatOptions": "llm_registry.runtime._chat.options",
    "GeminiProvider": "llm_registry.runtime._chat.gemini",
    "create_provider": "llm_registry.runtime._chat.factory",
    "register_provider_class": "llm_registry.runtime._chat.provider_classes",
    **dict.fromkeys(
        ("DiscoveryResult", "discover_models"), "llm_registry.runtime._discovery.service"
    ),
    **dict.fromkeys(
        ("refresh_all", "refresh_periodically"), "llm_registry.runtime._discovery.refresh"
    ),
    **dict.fromkeys(
        ("FileKeyStore", "KeyStore", "KeyringKeyStore", "default_key_store"),
        "llm_registry.runtime._keystore",
    ),
    **dict.fromkeys(
        ("ModelInfo", "ModelStore", "ModelStoreError", "default_database_path"),
        "llm_registry.runtime._store.store",
    ),
}


def __getattr__(name: str) -> object:
    module_name = _LAZY_EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


__all__ = [
    "AnthropicProvider",
    "AssistantMessage",
    "Attachment",
    "AuthenticationError",
    "BadRequestError",
    "BaseOpenAICompatibleProvider",
    "ChatOptions",
    "ChatProvider",
    "ChatResult",
    "ConfigError",
    "ContextLimitError",
    "Cost",
    "CostPart",
    "DiscoveryResult",
    "FileKeyStore",
    "Finish",
    "FinishReason",
    "FoundKey",
    "GeminiProvider",
    "ImageAttachment",
    "InvalidModelIdError",
    "KeyCheck",
    "KeyStore",
    "KeyringKeyStore",
    "Message",
    "MissingApiKeyError",
    "ModelInfo",
    "ModelRef",
    "ModelStore",
    "ModelStoreError",
    "OpenAIResponsesProvider",
    "PdfAttachment",
    "ProviderError",
    "ProviderUnavailableError",
    "RateLimitError",
    "ReasoningDelta",
    "ReasoningRequest",
    "ReasoningState",
    "Registry",
    "ResolvedModel",
    "StreamEvent",
    "TextAttachment",
    "TextDelta",
    "ToolCall",
    "ToolCallDelta",
    "ToolResultMessage",
    "ToolSpec",
    "UnknownProviderError",
    "Usage",
    "UserMessage",
    "WebpageAttachment",
    "can_proceed",
    "collect",
    "create_provider",
    "default_database_path",
    "default_key_store",
    "default_registry",
    "detect_context_limit_error",
    "discover_models",
    "estimate_cost",
    "get_provider",
    "load_registry",
    "locate_api_key",
    "mask_key",
    "parse_model_id",
    "provider_label",
    "providers",
    "refresh_all",
    "refresh_periodically",
    "register_provider_class",
    "resolve_api_key",
    "resolve_model",
]
