"""Where an imported provider is reached: the catalogue's ``api`` (its ``${VAR}`` placeholders
made the registry's ``{name}`` variables), a vendor's fixed URL, or a vendor's endpoint template
with its variables and auth; and the vendors no descriptor can express, with the reason.

The vendor tables hold facts, each with its source; the catalogue itself names no template for
them (its AI SDK packages know them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from llm_registry.codegen.importer.rules import (
    CONTROL,
    KNOWN_BASE_URLS,
    Notes,
    without_endpoint_path,
    without_trailing_slash,
)
from llm_registry.codegen.urls import url_problem
from llm_registry.runtime._urls import sample_url, template_problem

__all__ = ["Endpoint", "endpoint"]

_CATALOGUE_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_UNSUPPORTED_TEMPLATE = re.compile(r"\$\{[^}]*\}|\{\{")
_AZURE_RESOURCE = r"[A-Za-z0-9][A-Za-z0-9-]*"


def _variable(label: str, placeholder: str, env: str, **extra: str) -> dict[str, str]:
    return {"label": label, "placeholder": placeholder, "env": env, **extra}


def _azure(resource_env: str) -> dict[str, Any]:
    # https://learn.microsoft.com/en-us/azure/foundry/openai/api-version-lifecycle (v1 API);
    # the key in the api-key header.
    return {
        "base_url": "https://{resource}.openai.azure.com/openai/v1",
        "variables": {
            "resource": _variable(
                "Resource name", "my-resource", resource_env, pattern=_AZURE_RESOURCE
            )
        },
        "auth": {"type": "header", "name": "api-key"},
    }


# Vendors whose API root depends on the user's resource, region, project or account.
VENDOR_ENDPOINTS: dict[str, dict[str, Any]] = {
    # https://docs.aws.amazon.com/bedrock/latest/userguide/inference-chat-completions.html:
    # the Runtime endpoint of the region + /openai/v1, a Bedrock API key as the bearer token.
    "amazon-bedrock": {
        "base_url": "https://bedrock-runtime.{region}.amazonaws.com/openai/v1",
        "variables": {
            "region": _variable(
                "AWS Region", "us-west-2", "AWS_REGION", pattern=r"[a-z]{2}(-[a-z]+)+-[0-9]+"
            )
        },
        "auth": {"type": "bearer"},
        "key_env": "AWS_BEARER_TOKEN_BEDROCK",
        # The same page: Bedrock supports no other operation of the API (no model listing).
        "dialect": "none",
    },
    "azure": _azure("AZURE_RESOURCE_NAME"),
    # The catalogue's own note on this provider: Azure OpenAI Chat is
    # POST https://<resource>.openai.azure.com/openai/v1/chat/completions.
    "azure-cognitive-services": _azure("AZURE_COGNITIVE_SERVICES_RESOURCE_NAME"),
    # https://developers.cloudflare.com/changelog/post/2026-05-21-rest-api/: AI Gateway's
    # OpenAI-compatible /ai/v1/chat/completions on api.cloudflare.com, bearer API token.
    "cloudflare-ai-gateway": {
        "base_url": "https://api.cloudflare.com/client/v4/accounts/{account_id}/ai/v1",
        "variables": {
            "account_id": _variable("Account ID", "my-account-id", "CLOUDFLARE_ACCOUNT_ID")
        },
        "auth": {"type": "bearer"},
        "key_env": "CLOUDFLARE_API_TOKEN",
    },
    # https://cloud.google.com/vertex-ai/generative-ai/docs/migrate/openai/examples: an access
    # token (`gcloud auth print-access-token`) as the bearer key; Gemini ids as google/<model>.
    "google-vertex": {
        "base_url": (
            "https://{location}-aiplatform.googleapis.com/v1/projects/{project}"
            "/locations/{location}/endpoints/openapi"
        ),
        "variables": {
            "project": _variable("Google Cloud project ID", "my-project", "GOOGLE_VERTEX_PROJECT"),
            "location": _variable(
                "Location",
                "us-central1",
                "GOOGLE_VERTEX_LOCATION",
                pattern=r"[a-z]+-[a-z]+[0-9]+",
                default="us-central1",
            ),
        },
        "auth": {"type": "bearer"},
        "key_env": "GOOGLE_VERTEX_ACCESS_TOKEN",
        "bare_model_prefix": "google/",
    },
}

# Vendors no descriptor can express: their requests need what only code can do.
INEXPRESSIBLE: dict[str, str] = {
    "sap-ai-core": (
        "its key (AICORE_SERVICE_KEY) is a service key whose client id and secret must first be"
        " exchanged for a token (OAuth client credentials), which a descriptor cannot do"
    ),
    "gitlab": (
        "its token must first be exchanged for a short-lived direct-access token and headers"
        " (GitLab's AI gateway), which a descriptor cannot do"
    ),
    "google-vertex-anthropic": (
        "Claude on Vertex AI puts the model in the URL (…/publishers/anthropic/models/<model>"
        ":streamRawPredict) and needs Vertex's anthropic_version in the body, which no base URL"
        " with /messages appended can express"
    ),
}


@dataclass
class Endpoint:
    """Where a provider is reached, and how the key is sent there."""

    base_url: str
    variables: dict[str, dict[str, str]] = field(default_factory=dict)
    auth: dict[str, str] | None = None
    key_env: str | None = None  # replaces the catalogue's choice of key variable
    bare_model_prefix: str | None = None  # put before model ids without a publisher
    dialect: str | None = None  # the listing dialect, when the vendor's differs


def endpoint(folder: str, api: str | None, notes: Notes, where: str) -> tuple[Endpoint | None, str]:
    """(the provider's endpoint, "") or (None, why the provider is left out)."""
    if folder in INEXPRESSIBLE:
        return None, INEXPRESSIBLE[folder]
    if api is None and folder in VENDOR_ENDPOINTS:
        vendor = VENDOR_ENDPOINTS[folder]
        notes.warn(
            where, "W502", f"provider.toml has no api: the vendor's endpoint {vendor['base_url']}"
        )
        return Endpoint(
            vendor["base_url"],
            {name: dict(spec) for name, spec in vendor["variables"].items()},
            dict(vendor["auth"]),
            vendor.get("key_env"),
            vendor.get("bare_model_prefix"),
            vendor.get("dialect"),
        ), ""
    if api is None:
        if folder not in KNOWN_BASE_URLS:
            return None, (
                "no base URL: provider.toml has no api, and the vendor has no fixed public URL "
                "known to the importer"
            )
        api = KNOWN_BASE_URLS[folder]
        notes.warn(where, "W502", f"provider.toml has no api: the vendor's known URL {api}")
    variables: dict[str, dict[str, str]] = {}
    if _CATALOGUE_VARIABLE.search(api):
        api, variables = _from_catalogue_template(api)
        names = ", ".join(sorted(variables))
        notes.warn(where, "W519", f"the api's ${{…}} placeholders became the variables {names}")
    if _UNSUPPORTED_TEMPLATE.search(api) or template_problem(api):
        return None, "base URL holds placeholders the registry's templates cannot express"
    api = without_endpoint_path(without_trailing_slash(api, notes, where), notes, where)
    if CONTROL.search(api):
        return None, "base URL holds control characters"
    samples = {name: spec["placeholder"] for name, spec in variables.items()}
    problem = url_problem(sample_url(api, samples), allow_loopback_http=True, is_base=True)
    if problem:
        return None, f"base URL rejected: {problem[1]}"
    return Endpoint(api, variables), ""


def _from_catalogue_template(api: str) -> tuple[str, dict[str, dict[str, str]]]:
    """models.dev's ``${ENV}`` placeholders as ``{env}`` variables read from that variable.

    A placeholder that starts the URL stands for a whole origin (``${NEON_…_BASE_URL}/…``):
    it becomes an https host variable, which no environment variable fills (the catalogue's
    holds a URL, not a host)."""
    variables: dict[str, dict[str, str]] = {}
    leading = re.match(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", api)
    if leading:
        label = _label(leading.group(1)).removesuffix(" base url") + " host"
        variables["host"] = {"label": label, "placeholder": "example.com"}
        api = "https://{host}" + api[leading.end() :]

    def placeholder(match: re.Match[str]) -> str:
        env = match.group(1)
        name = env.lower()
        variables[name] = _variable(_label(env), name.replace("_", "-"), env)
        return "{" + name + "}"

    return _CATALOGUE_VARIABLE.sub(placeholder, api), variables


def _label(env: str) -> str:
    return env.replace("_", " ").capitalize()
