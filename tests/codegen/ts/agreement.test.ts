// The TypeScript target's functions against the Python runtime: the cases file (named by
// REGISTRY_CASES) is written by tests/codegen/test_typescript.py from the runtime itself,
// with the answer the runtime gives for each input.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { isDeepStrictEqual } from "node:util";

import {
  detectContextLimitError,
  InvalidModelIdError,
  parseModelId,
  providerLabel,
  RegistryError,
  UnknownProviderError,
} from "./registry.js";

interface ModelIdCase {
  readonly id: string;
  /** The runtime's answer: the parts and label, or the name of the error it raised. */
  readonly expected:
    | { readonly providerId: string; readonly model: string; readonly label: string }
    | { readonly error: "InvalidModelIdError" | "UnknownProviderError" };
}

interface ContextLimitCase {
  readonly message: string;
  readonly modelId: string;
  readonly expected: boolean;
}

interface Cases {
  readonly modelIds: readonly ModelIdCase[];
  readonly contextLimits: readonly ContextLimitCase[];
}

function loadCases(): Cases {
  const path = process.env["REGISTRY_CASES"];
  if (path === undefined) {
    throw new Error("REGISTRY_CASES must name the cases file");
  }
  return JSON.parse(readFileSync(path, "utf8")) as Cases;
}

const cases = loadCases();

function errorName(error: unknown): string {
  if (error instanceof InvalidModelIdError) {
    return "InvalidModelIdError";
  }
  if (error instanceof UnknownProviderError) {
    return "UnknownProviderError";
  }
  return `unexpected ${String(error)}`;
}

function answer(id: string): ModelIdCase["expected"] {
  try {
    const parsed = parseModelId(id);
    return { providerId: parsed.providerId, model: parsed.model, label: providerLabel(id) };
  } catch (error) {
    assert.ok(error instanceof RegistryError, `${JSON.stringify(id)} threw ${String(error)}`);
    const name = errorName(error);
    assert.ok(name === "InvalidModelIdError" || name === "UnknownProviderError");
    return { error: name };
  }
}

test("parseModelId and providerLabel answer as the runtime does", () => {
  assert.ok(cases.modelIds.length > 0);
  const disagreements = cases.modelIds
    .map((c) => ({ id: c.id, expected: c.expected, actual: answer(c.id) }))
    .filter((c) => !isDeepStrictEqual(c.actual, c.expected));
  assert.deepEqual(disagreements, []);
});

test("detectContextLimitError answers as the runtime does", () => {
  assert.ok(cases.contextLimits.some((c) => c.expected));
  assert.ok(cases.contextLimits.some((c) => !c.expected));
  const disagreements = cases.contextLimits.filter(
    (c) => detectContextLimitError(c.message, c.modelId) !== c.expected,
  );
  assert.deepEqual(disagreements, []);
});
