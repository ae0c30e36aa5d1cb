"""Which reasoning setting a request sends: the caller's options checked against what the
registry declares for the model, once for every wire format.

The caller says it once (:class:`~runtime.ChatOptions`): ``reasoning`` switches thinking on or
off, ``reasoning_effort`` names an effort, ``reasoning_budget`` gives a thinking-token budget
(either implies on). The result is a :class:`ReasoningRequest`, which each wire format writes in
its own fields; a request the model cannot honour is a :class:`~runtime.BadRequestError` here,
before anything is sent. An effort or budget for a model that reasons another way (or not at
all) is left out, so an application may pass one setting to every model; a switch the model
has not got is refused, as it cannot be left out without doing the opposite of what was asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, Protocol

from llm_registry.runtime._descriptor import reasoning_can_disable, reasoning_sent_as
from llm_registry.runtime._errors import BadRequestError

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import Model, Reasoning

__all__ = ["SENT_AS_MODES", "ReasoningRequest", "openai_reasoning_fields", "resolve_reasoning"]

# Anthropic's smallest thinking budget: what switching thinking on sends when the registry
# names no budget.
MIN_THINKING_BUDGET: Final = 1024

SENT_AS_MODES: Final[dict[str, frozenset[str]]] = {
    "reasoning_effort": frozenset({"effort"}),
    "reasoning": frozenset({"effort", "budget_tokens", "toggle"}),
    "thinking": frozenset({"budget_tokens", "toggle"}),
    "enable_thinking": frozenset({"budget_tokens", "toggle"}),
    "chat_template_kwargs": frozenset({"toggle"}),
}
"""Each ``sent_as`` of the descriptor schema → the reasoning modes it can carry (the compiler
refuses any other pairing)."""


@dataclass(frozen=True, slots=True)
class ReasoningRequest:
    """The reasoning setting to send: switched ``on`` or ``off``, a named effort, or a
    thinking-token budget. ``sent_as`` is how an OpenAI-compatible server takes it, when the
    registry says."""

    mode: Literal["effort", "budget_tokens", "on", "off"]
    effort: str | None = None
    budget_tokens: int | None = None
    sent_as: str | None = None


class _Options(Protocol):
    @property
    def reasoning(self) -> bool | None: ...
    @property
    def reasoning_effort(self) -> str | None: ...
    @property
    def reasoning_budget(self) -> int | None: ...


def resolve_reasoning(
    model_id: str, provider_id: str, entry: Model | None, options: _Options
) -> ReasoningRequest | None:
    """What to send for the model ``entry`` describes (None: a model the registry does not list,
    whose caller knows best: passed on as asked)."""
    switch, effort, budget = options.reasoning, options.reasoning_effort, options.reasoning_budget
    if switch is False and (effort is not None or budget is not None):
        raise BadRequestError(
            "reasoning=False cannot go with a reasoning effort or budget", provider_id=provider_id
        )
    if entry is None:
        return _as_asked(options)
    declared = entry.reasoning
    if declared is None:
        if switch:
            raise BadRequestError(
                f"{model_id} does not reason: reasoning cannot be switched on",
                provider_id=provider_id,
            )
        return None
    return _declared(model_id, provider_id, declared, options)


def _as_asked(options: _Options) -> ReasoningRequest | None:
    if options.reasoning_effort is not None:
        return ReasoningRequest(mode="effort", effort=options.reasoning_effort)
    if options.reasoning_budget is not None:
        return ReasoningRequest(mode="budget_tokens", budget_tokens=options.reasoning_budget)
    if options.reasoning is not None:
        return ReasoningRequest(mode="on" if options.reasoning else "off")
    return None


def _declared(
    model_id: str, provider_id: str, declared: Reasoning, options: _Options
) -> ReasoningRequest | None:
    mode = declared.mode
    sent_as = reasoning_sent_as(declared)
    if options.reasoning is False:
        if not reasoning_can_disable(declared):
            raise BadRequestError(
                f"{model_id} cannot switch its reasoning off (reasoning mode {mode!r})",
                provider_id=provider_id,
            )
        return ReasoningRequest(mode="off", sent_as=sent_as)
    effort, budget = options.reasoning_effort, options.reasoning_budget
    if mode == "effort" and effort is not None:
        efforts = declared.efforts
        if efforts and effort not in efforts:
            raise BadRequestError(
                f"{model_id} accepts reasoning effort {', '.join(efforts)}, not {effort!r}",
                provider_id=provider_id,
            )
        return ReasoningRequest(mode="effort", effort=effort, sent_as=sent_as)
    if mode == "budget_tokens" and budget is not None:
        minimum = declared.min_budget_tokens
        if minimum is not None and budget < minimum:
            raise BadRequestError(
                f"{model_id} needs a reasoning budget of at least {minimum} tokens, not {budget}",
                provider_id=provider_id,
            )
        return ReasoningRequest(mode="budget_tokens", budget_tokens=budget, sent_as=sent_as)
    if options.reasoning and mode != "always":
        return ReasoningRequest(mode="on", sent_as=sent_as)
    return None


def openai_reasoning_fields(request: ReasoningRequest) -> dict[str, object] | None:
    """The chat-completions fields for ``request`` in its ``sent_as`` shape; None when that
    shape cannot carry it. Unset, only an effort is sent (as ``reasoning_effort``, the one
    field chat completions define): how a server switches thinking or takes a budget varies."""
    mode, effort, budget = request.mode, request.effort, request.budget_tokens
    sent_as = request.sent_as
    if sent_as is None:
        return {"reasoning_effort": effort} if mode == "effort" else None
    if sent_as == "reasoning_effort":
        if mode == "effort":
            return {"reasoning_effort": effort}
        if mode == "off":
            return {"reasoning_effort": "none"}
        return {} if mode == "on" else None  # on: the model's own default effort
    if sent_as == "reasoning":
        settings: dict[str, dict[str, object]] = {
            "effort": {"effort": effort},
            "budget_tokens": {"max_tokens": budget},
            "on": {"enabled": True},
            "off": {"enabled": False},
        }
        setting = settings[mode]
        return {"reasoning": setting}
    if mode == "effort":
        return None  # the other shapes have no effort
    enabled = mode != "off"
    if sent_as == "thinking":
        thinking: dict[str, object] = {"type": "enabled" if enabled else "disabled"}
        if budget is not None:
            thinking["budget_tokens"] = budget
        return {"thinking": thinking}
    if sent_as == "enable_thinking":
        fields: dict[str, object] = {"enable_thinking": enabled}
        if budget is not None:
            fields["thinking_budget"] = budget
        return fields
    if sent_as == "chat_template_kwargs" and budget is None:
        return {"chat_template_kwargs": {"enable_thinking": enabled}}
    return None
