"""Is a logo safe to ship into a web page? A strict allow-what-is-harmless check."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

_SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
_FORBIDDEN_ELEMENTS = {
    "script",
    "foreignobject",
    "iframe",
    "embed",
    "object",
    "handler",
}
_URL_REFERENCE = re.compile(r"url\(\s*['\"]?\s*([^)'\"\s]*)", re.IGNORECASE)
_PROCESSING_INSTRUCTION = re.compile(rb"<\?(?!xml[\s?])", re.IGNORECASE)
_JAVASCRIPT = re.compile(r"j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:", re.IGNORECASE)


def _local_name(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def svg_problems(data: bytes) -> list[str]:
    """Everything that makes this SVG unsafe or not an SVG; empty when it is fine."""
    # DTDs can define entities that expand without bound or pull in files; logos need none.
    head = data.lower()
    if b"<!doctype" in head or b"<!entity" in head:
        return ["DOCTYPE and ENTITY declarations are not allowed"]
    # Processing instructions (xml-stylesheet can load an external style sheet), but for the
    # XML declaration itself.
    if _PROCESSING_INSTRUCTION.search(data):
        return ["processing instructions such as <?xml-stylesheet?> are not allowed"]
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        return [f"not well-formed XML ({error})"]
    if root.tag not in ("svg", _SVG_NAMESPACE + "svg"):
        return [f"the root element is <{_local_name(root.tag)}>, not <svg>"]

    problems: list[str] = []
    for element in root.iter():
        name = _local_name(element.tag).lower() if isinstance(element.tag, str) else ""
        if name in _FORBIDDEN_ELEMENTS:
            problems.append(f"<{_local_name(element.tag)}> elements are not allowed")
        if name == "style" and element.text:
            problems.extend(_reference_problems(element.text, "<style>"))
            if "@import" in element.text.lower():
                problems.append("@import in <style> is not allowed")
        for attribute, value in element.attrib.items():
            attribute_name = _local_name(attribute)
            if attribute_name.lower().startswith("on"):
                problems.append(f"event attribute {attribute_name}= is not allowed")
            elif attribute_name == "href" and not value.strip().startswith("#"):
                problems.append(
                    f"external reference {attribute_name}={value[:60]!r} is not allowed"
                )
            else:
                problems.extend(_reference_problems(value, f"{attribute_name}="))
    return sorted(set(problems))


def _reference_problems(text: str, where: str) -> list[str]:
    problems = []
    if _JAVASCRIPT.search(text):
        problems.append(f"javascript: URL in {where} is not allowed")
    for target in _URL_REFERENCE.findall(text):
        if not target.startswith("#"):
            problems.append(f"external url({target[:60]}) in {where} is not allowed")
    return problems
