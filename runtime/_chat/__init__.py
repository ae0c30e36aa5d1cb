"""Streaming chat: messages, options and events, the base provider, one module per wire format,
the factory.

Importing this package imports no SDK: each class imports ``openai`` or ``httpx`` when its
first stream starts.
"""
