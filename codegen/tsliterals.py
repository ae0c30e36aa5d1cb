"""TypeScript source for scalars: every value of the TypeScript target is spelled here.

Strings become JSON string literals (valid JavaScript since ES2019) with U+2028, U+2029, lone
surrogates and `<` spelled as escapes, so a value survives any older parser, UTF-8 encoding,
and a bundler that inlines the module into an HTML <script> (where `</script>` or `<!--` in a
literal would end or derail the script). Descriptions go into /** */ comments with
their `*/` broken.
"""

from __future__ import annotations

import json
import re

# Characters a JavaScript parser or an HTML inliner may treat as line or script boundaries.
_UNSAFE_IN_LITERAL = re.compile("[<\u2028\u2029\ud800-\udfff]")


def ts_string(text: str) -> str:
    """A TypeScript string literal holding exactly text."""
    literal = json.dumps(text, ensure_ascii=False)
    return _UNSAFE_IN_LITERAL.sub(lambda match: f"\\u{ord(match.group()):04x}", literal)


def ts_number(value: float | int, *, integer: bool) -> str:
    """A number literal: repr's spelling is valid JavaScript for every finite float."""
    return str(int(value)) if integer else repr(float(value))


def ts_comment(text: str) -> str:
    """Text for a /** */ comment: `*/` would end it early."""
    return text.replace("*/", "*\\/")


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
