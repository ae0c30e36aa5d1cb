"""A small runtime over the generated provider registry.

Look providers up (:func:`get_provider`, :func:`parse_model_id`), resolve their keys
(:func:`resolve_api_key`, :func:`can_proceed`), build one (:func:`create_provider`) and stream a
reply as typed events or through callbacks; failures are one hierarchy rooted at
:class:`ProviderError`.

Importing this package is cheap: no HTTP client, SDK, YAML or schema library is imported until
a stream starts, and the generated registry is loaded on the first lookup.
"""

from ._context import detect_context_limit_error
from ._errors import (
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
from ._events import (
    ChatResult,
    Finish,
    FinishReason,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
    collect,
)
from ._keys import KeyCheck, can_proceed, resolve_api_key
from ._messages import (
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
from ._registry import ModelRef, get_provider, parse_model_id, provider_label, providers
from ._providers import (
    AnthropicProvider,
    BaseOpenAICompatibleProvider,
    ChatOptions,
    ChatProvider,
    GeminiProvider,
    ReasoningRequest,
    create_provider,
)

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
    "Finish",
    "FinishReason",
    "GeminiProvider",
    "ImageAttachment",
    "InvalidModelIdError",
    "KeyCheck",
    "Message",
    "MissingApiKeyError",
    "ModelRef",
    "PdfAttachment",
    "ProviderError",
    "ProviderUnavailableError",
    "RateLimitError",
    "ReasoningDelta",
    "ReasoningRequest",
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
    "detect_context_limit_error",
    "get_provider",
    "parse_model_id",
    "provider_label",
    "providers",
    "resolve_api_key",
]

# Discovery and the model store
# Loaded on first access (PEP 562 module __getattr__): they bring asyncio and sqlite3, which
# would double the cost of `import runtime` for code that never lists models.
from typing import TYPE_CHECKING as _TYPE_CHECKING

if _TYPE_CHECKING:
    from ._discovery import DiscoveryResult, discover_models, refresh_all, refresh_periodically
    from ._store import ModelInfo, ModelStore, ModelStoreError, default_database_path

_LAZY_EXPORTS = {
    "DiscoveryResult": "runtime._discovery",
    "ModelInfo": "runtime._store",
    "ModelStore": "runtime._store",
    "ModelStoreError": "runtime._store",
    "default_database_path": "runtime._store",
    "discover_models": "runtime._discovery",
    "refresh_all": "runtime._discovery",
    "refresh_periodically": "runtime._discovery",
}


def __getattr__(name: str) -> object:
    module_name = _LAZY_EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


__all__ += [
    "DiscoveryResult",
    "ModelInfo",
    "ModelStore",
    "ModelStoreError",
    "default_database_path",
    "discover_models",
    "refresh_all",
    "refresh_periodically",
]
__all__.sort()
