"""Chat provider classes, one per wire format, and the factory that picks one.

Importing this package imports no SDK: each class imports ``openai`` or ``httpx`` when its
first stream starts.
"""

from __future__ import annotations

from ._base import ChatOptions, ChatProvider, ReasoningRequest
from ._factory import create_provider, provider_class_for
from .anthropic import AnthropicProvider
from .gemini import GeminiProvider
from .openai_compatible import BaseOpenAICompatibleProvider

__all__ = [
    "AnthropicProvider",
    "BaseOpenAICompatibleProvider",
    "ChatOptions",
    "ChatProvider",
    "GeminiProvider",
    "ReasoningRequest",
    "create_provider",
    "provider_class_for",
]
