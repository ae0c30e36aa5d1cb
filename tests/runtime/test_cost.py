"""estimate_cost on the test registry's prices (tests/registry/): a stream per wire format from
the loopback server carrying cached, cache-write and reasoning tokens, priced by hand; tier
boundaries; unknown prices; and ``llm-registry chat --usage`` in a subprocess."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from llm_registry import runtime
from llm_registry.runtime import Cost, Registry, Usage, estimate_cost
from llm_registry.runtime._chat.messages import UserMessage
from tests.fixture_registry import TEST_REGISTRY_PACKAGE, CompiledRegistry
from tests.loopback import LoopbackServer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-cost-SECRET-91c2d3e4f5"
OPENAI = "wire-openai::plain-model"  # 2 in, 8 out, 0.5 cache read
ANTHROPIC = "wire-anthropic::budget-model"  # 3 in, 15 out, 0.3 read, 3.75 write, 6 1h write
GEMINI = "wire-gemini::gemini-model"  # 1.25 in, 10 out, 0.31 read; above 200,000: 2.5/15/0.625
UNPRICED = "wire-openai::effort-model"


def _usage_from_stream(
    registry: Registry, server: LoopbackServer, model_id: str, recording: str, wire_format: str
) -> Usage:
    ref = runtime.parse_model_id(model_id, registry=registry)
    provider = runtime.create_provider(
        ref.descriptor,
        api_key=KEY,
        base_url=server.base_url(f"replay-{recording}", wire_format),  # type: ignore[arg-type]
        timeout=10,
    )
    result = asyncio.run(runtime.collect(provider.stream(ref.model, [UserMessage("Hi")])))
    assert result.text == "Paris."
    assert result.usage is not None
    return result.usage


def _parts(cost: Cost) -> dict[str, tuple[int, Decimal]]:
    return {part.name: (part.tokens, part.usd) for part in cost.parts}


def test_openai_cached_and_reasoning_tokens_are_priced_apart(
    test_registry: Registry, llm_server: LoopbackServer
) -> None:
    usage = _usage_from_stream(
        test_registry, llm_server, OPENAI, "openai_cached_reasoning.sse", "openai"
    )
    assert usage == Usage(
        input_tokens=2006, output_tokens=300, reasoning_tokens=256, cache_read_tokens=1920
    )
    cost = estimate_cost(OPENAI, usage, registry=test_registry)
    # 86 uncached at $2/M, 1,920 cached at $0.5/M, 44 output and 256 reasoning at $8/M.
    assert _parts(cost) == {
        "input": (86, Decimal("0.000172")),
        "cached_input": (1920, Decimal("0.00096")),
        "output": (44, Decimal("0.000352")),
        "reasoning": (256, Decimal("0.002048")),
    }
    assert cost.total == Decimal("0.003532")
    assert cost.tier_above is None


def test_anthropic_cache_reads_and_writes_at_both_lifetimes(
    test_registry: Registry, llm_server: LoopbackServer
) -> None:
    usage = _usage_from_stream(
        test_registry, llm_server, ANTHROPIC, "anthropic_cache.sse", "anthropic"
    )
    assert usage == Usage(
        input_tokens=3821,  # 21 uncached + 2,000 read + 1,800 written
        output_tokens=120,
        cache_read_tokens=2000,
        cache_write_tokens=1800,
        cache_write_1h_tokens=800,
    )
    cost = estimate_cost(ANTHROPIC, usage, registry=test_registry)
    assert _parts(cost) == {
        "input": (21, Decimal("0.000063")),
        "cached_input": (2000, Decimal("0.0006")),
        "cache_write": (1000, Decimal("0.00375")),
        "cache_write_1h": (800, Decimal("0.0048")),
        "output": (120, Decimal("0.0018")),
    }
    assert cost.total == Decimal("0.011013")


def test_gemini_long_prompt_is_priced_at_its_tier(
    test_registry: Registry, llm_server: LoopbackServer
) -> None:
    usage = _usage_from_stream(
        test_registry, llm_server, GEMINI, "gemini_cached_tier.sse", "gemini"
    )
    assert usage == Usage(
        input_tokens=250_000, output_tokens=500, reasoning_tokens=400, cache_read_tokens=200_000
    )
    cost = estimate_cost(GEMINI, usage, registry=test_registry)
    assert cost.tier_above == 200_000
    assert _parts(cost) == {
        "input": (50_000, Decimal("0.125")),
        "cached_input": (200_000, Decimal("0.125")),
        "output": (100, Decimal("0.0015")),
        "reasoning": (400, Decimal("0.006")),
    }
    assert cost.total == Decimal("0.2575")


@pytest.mark.parametrize(
    ("input_tokens", "tier", "total"),
    [
        # At the threshold the base prices hold; one token above it, the tier's.
        (200_000, None, Decimal("0.25") + Decimal("0.01")),
        (200_001, 200_000, Decimal("0.5000025") + Decimal("0.015")),
        (1, None, Decimal("0.00000125") + Decimal("0.01")),
    ],
)
def test_a_tier_applies_strictly_above_its_threshold(
    test_registry: Registry, input_tokens: int, tier: int | None, total: Decimal
) -> None:
    cost = estimate_cost(
        GEMINI, Usage(input_tokens=input_tokens, output_tokens=1000), registry=test_registry
    )
    assert (cost.tier_above, cost.total) == (tier, total)


@pytest.mark.parametrize(
    ("model_id", "usage", "reason"),
    [
        (
            UNPRICED,
            Usage(input_tokens=10, output_tokens=5),
            "no prices for wire-openai::effort-model",
        ),
        (OPENAI, Usage(input_tokens=10), "no output token count"),
        (OPENAI, Usage(output_tokens=10), "no input token count"),
        (
            OPENAI,
            Usage(input_tokens=10, output_tokens=1, cache_write_tokens=4),
            "no cache_write price",
        ),
        ("wire-openai::not-listed", Usage(input_tokens=1, output_tokens=1), "does not list"),
        # The 1-hour write price has no tiered form; the tier's cache price is its own.
        (
            GEMINI,
            Usage(input_tokens=300_000, output_tokens=1, cache_write_tokens=5),
            "5 cache write tokens but no cache_write price above 200,000 input tokens",
        ),
    ],
)
def test_a_missing_price_or_count_is_an_unknown_cost_with_its_reason(
    test_registry: Registry, model_id: str, usage: Usage, reason: str
) -> None:
    cost = estimate_cost(model_id, usage, registry=test_registry)
    assert cost.total is None and not cost.known
    assert cost.unknown_reason is not None and reason in cost.unknown_reason


def test_no_tokens_cost_nothing_but_are_known(test_registry: Registry) -> None:
    cost = estimate_cost(OPENAI, Usage(input_tokens=0, output_tokens=0), registry=test_registry)
    assert cost.known and cost.total == Decimal(0)


# `llm-registry chat --usage`, as a user runs it.


def _chat(compiled: CompiledRegistry, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), str(compiled.import_root)])
    env["WIRE_OPENAI_API_KEY"] = env["WIRE_ANTHROPIC_API_KEY"] = KEY
    result = subprocess.run(
        [sys.executable, "-m", "llm_registry.runtime", "chat", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert KEY not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


def test_chat_usage_prints_tokens_and_cost_after_the_reply(
    compiled_registry: CompiledRegistry, llm_server: LoopbackServer
) -> None:
    base_url = llm_server.base_url("replay-anthropic_cache.sse", "anthropic")
    result = _chat(
        compiled_registry,
        ANTHROPIC,
        "Hi",
        "--base-url",
        base_url,
        "--usage",
        "--package",
        TEST_REGISTRY_PACKAGE,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Paris.\n"  # the reply alone on stdout
    assert result.stderr.splitlines() == [
        "usage: 3,821 input tokens (2,000 cache read, 1,800 cache write), 120 output tokens",
        "cost: $0.011013 (input $0.000063, cached input $0.0006, cache write $0.00375, "
        "cache write 1h $0.0048, output $0.0018)",
    ]


def test_chat_usage_says_why_a_cost_is_unknown(
    compiled_registry: CompiledRegistry, llm_server: LoopbackServer
) -> None:
    result = _chat(
        compiled_registry,
        UNPRICED,
        "Hi",
        "--usage",
        "--package",
        TEST_REGISTRY_PACKAGE,
        "--base-url",
        llm_server.base_url("ok", "openai"),
    )
    assert result.returncode == 0, result.stderr
    [usage_line, cost_line] = result.stderr.splitlines()
    assert usage_line.startswith("usage: ")
    assert cost_line == "cost unknown: the registry has no prices for wire-openai::effort-model"


def test_chat_without_usage_prints_nothing_more(
    compiled_registry: CompiledRegistry, llm_server: LoopbackServer
) -> None:
    result = _chat(
        compiled_registry,
        OPENAI,
        "Hi",
        "--package",
        TEST_REGISTRY_PACKAGE,
        "--base-url",
        llm_server.base_url("replay-openai_cached_reasoning.sse", "openai"),
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "Paris.\n", "")
