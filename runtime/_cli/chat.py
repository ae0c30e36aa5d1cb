"""``llm-registry chat MODEL_ID PROMPT``: stream one reply to stdout, from a model of the
registry named by ``--package`` (default: the curated one)."""

from __future__ import annotations

import argparse
import math
import re
import sys
from decimal import Decimal
from typing import TYPE_CHECKING

from llm_registry.runtime._chat.events import TextDelta, Usage
from llm_registry.runtime._chat.messages import UserMessage
from llm_registry.runtime._cli.package_option import (
    _registry_from_args,
    add_package_option,
    known_keys,
)
from llm_registry.runtime._errors import StreamRedactor
from llm_registry.runtime._registry import parse_model_id
from llm_registry.runtime._urls import checked_base_url

if TYPE_CHECKING:
    from llm_registry.runtime._chat.options import ChatOptionArgs

__all__ = ["register"]

_SWITCHES = {"off": False, "on": True}
# An effort's name, as the descriptor schema spells one (reasoning.efforts).
_EFFORT_NAME = re.compile(r"[a-z][a-z0-9_-]*")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "chat",
        help="stream a reply from a model",
        description=(
            "Send PROMPT to MODEL_ID and stream the reply to stdout as it arrives. The key comes "
            "from the environment variable the provider's descriptor names, else from your key "
            "store (see `llm-registry keys`). On failure one line "
            "goes to stderr, 'error: <kind>: <message>', and the exit status is 1."
        ),
    )
    parser.add_argument(
        "model_id", metavar="MODEL_ID", help="'<provider>::<model>', e.g. openai::gpt-4.1"
    )
    parser.add_argument(
        "prompt", metavar="PROMPT", help="the message to send; '-' reads it from stdin"
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="send the request here instead of the registry's base URL (same wire format)",
    )
    add_package_option(parser)
    parser.add_argument("--system", metavar="TEXT", help="system prompt")
    parser.add_argument(
        "--max-tokens", metavar="N", type=_positive_int, help="largest reply, in tokens"
    )
    parser.add_argument(
        "--temperature", metavar="T", type=_finite_float, help="sampling temperature"
    )
    parser.add_argument(
        "--reasoning",
        metavar="off|on|EFFORT|TOKENS",
        type=_reasoning_setting,
        default={},
        help=(
            "switch the model's reasoning off or on, ask for an effort (a level its registry "
            "entry lists, such as low or high) or give a thinking budget in tokens (such as "
            "4096); a setting the model cannot honour is refused before anything is sent "
            "(default: the model's own)"
        ),
    )
    # The options this one replaced, kept working for scripts that use them (not in --help).
    parser.add_argument(
        "--reasoning-effort", dest="reasoning", type=_effort_setting, help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--reasoning-budget", dest="reasoning", type=_budget_setting, help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_positive_float,
        default=120.0,
        help=(
            "longest wait for the reply to begin (connection, request and response headers "
            "together) and between two chunks of it; keep-alive pings do not count "
            "(default: 120)"
        ),
    )
    parser.add_argument(
        "--max-time",
        metavar="SECONDS",
        type=_positive_float,
        default=600.0,
        help="longest a whole reply may take, however steadily it streams (default: 600)",
    )
    parser.add_argument(
        "--usage",
        action="store_true",
        help=(
            "after the reply, print the tokens the provider reported and their cost at the "
            "registry's prices to stderr (or why the cost is unknown)"
        ),
    )
    parser.set_defaults(handler=run_chat)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _reasoning_setting(text: str) -> ChatOptionArgs:
    """``--reasoning``'s value as the ChatOptions it sets (the options' own three forms)."""
    if text in _SWITCHES:
        return {"reasoning": _SWITCHES[text]}
    if text.isascii() and text.isdigit():
        return {"reasoning_budget": _positive_int(text)}
    if _EFFORT_NAME.fullmatch(text):
        return {"reasoning_effort": text}
    raise argparse.ArgumentTypeError(
        f"expected off, on, an effort such as low or high, or a budget in tokens: {text!r}"
    )


def _effort_setting(text: str) -> ChatOptionArgs:
    if not _EFFORT_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected an effort such as low or high: {text!r}")
    return {"reasoning_effort": text}


def _budget_setting(text: str) -> ChatOptionArgs:
    return {"reasoning_budget": _positive_int(text)}


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _finite_float(text: str) -> float:
    value = _float(text)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number: {text!r}")
    return value


def _positive_float(text: str) -> float:
    value = _float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def run_chat(args: argparse.Namespace) -> int:
    import asyncio

    from llm_registry.runtime._chat.factory import create_provider

    ref = parse_model_id(args.model_id, registry=_registry_from_args(args))
    base_url = checked_base_url(args.base_url) if args.base_url else None
    prompt: str = sys.stdin.read() if args.prompt == "-" else args.prompt
    provider = create_provider(
        ref.descriptor, base_url=base_url, timeout=args.timeout, max_time=args.max_time
    )

    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    out = sys.stdout
    # A server may echo the key in the reply itself: what is printed goes through the same
    # redaction as error messages, piece by piece.
    redactor = StreamRedactor(*known_keys(args))
    wrote_text = False
    ends_with_newline = True

    def show(text: str) -> None:
        nonlocal wrote_text, ends_with_newline
        if text:
            out.write(text)
            out.flush()
            wrote_text = True
            ends_with_newline = text.endswith("\n")

    reported: list[Usage] = []

    async def stream() -> None:
        async for event in provider.stream(
            ref.model,
            [UserMessage(prompt)],
            system=args.system,
            max_output_tokens=args.max_tokens,
            temperature=args.temperature,
            **args.reasoning,
        ):
            if isinstance(event, TextDelta):
                show(redactor.feed(event.text))
            elif isinstance(event, Usage):
                reported.append(event)

    try:
        asyncio.run(stream())
    finally:
        show(redactor.finish())
        # End the partial or whole reply with a newline, so the error line or the shell
        # prompt starts on a line of its own.
        if wrote_text and not ends_with_newline:
            out.write("\n")
            out.flush()
    if args.usage:
        usage = reported[-1] if reported else None
        print(_usage_line(usage), file=sys.stderr)
        print(_cost_line(ref.id, usage, args), file=sys.stderr)
    return 0


def _usage_line(usage: Usage | None) -> str:
    if usage is None:
        return "usage: not reported by the provider"

    def count(tokens: int | None) -> str:
        return "?" if tokens is None else f"{tokens:,}"

    def of_which(*parts: tuple[int | None, str]) -> str:
        said = [f"{tokens:,} {what}" for tokens, what in parts if tokens]
        return f" ({', '.join(said)})" if said else ""

    cached = of_which(
        (usage.cache_read_tokens, "cache read"), (usage.cache_write_tokens, "cache write")
    )
    reasoning = of_which((usage.reasoning_tokens, "reasoning"))
    return (
        f"usage: {count(usage.input_tokens)} input tokens{cached}, "
        f"{count(usage.output_tokens)} output tokens{reasoning}"
    )


def _cost_line(model_id: str, usage: Usage | None, args: argparse.Namespace) -> str:
    from llm_registry.runtime._cost import estimate_cost

    if usage is None:
        return "cost unknown: the provider reported no usage"
    cost = estimate_cost(model_id, usage, registry=_registry_from_args(args))
    if cost.total is None:
        return f"cost unknown: {cost.unknown_reason}"
    parts = ", ".join(f"{part.name.replace('_', ' ')} {_usd(part.usd)}" for part in cost.parts)
    tier = (
        "" if cost.tier_above is None else f", at the tier above {cost.tier_above:,} input tokens"
    )
    return f"cost: {_usd(cost.total)} ({parts}{tier})"


def _usd(amount: Decimal) -> str:
    return f"${format(amount.normalize(), 'f')}"
