"""Logos that are safe to put in a web page: parsed, checked against an allow-list, re-serialised.

A logo is parsed by a hardened XML parser (defusedxml) in whatever encoding it declares, so a
UTF-16 file is read as what it is, not scanned as bytes. DOCTYPE, entities and processing
instructions are refused in any encoding. Only the elements and attributes a static vector logo
needs are allowed: no scripting, no animation (SMIL can rewrite ``href`` or event attributes),
no ``foreignObject``, no references outside the file (``href`` and CSS ``url()`` may only name an
element of the logo itself, ``#id``; embedded ``data:`` images are refused too, since a data URL
can carry another SVG or HTML). CSS, in ``style`` attributes and elements, is checked after its
escapes and comments are undone (``\\75 rl(`` is ``url(``). Elements and attributes of other
namespaces (editor metadata such as Inkscape's) are dropped, since no renderer acts on them.

What ships is the checked tree written out again (:func:`sanitized_svg`), never the input's
bytes: anything the parser saw differently from a browser cannot survive into the output.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from xml.sax.saxutils import escape, quoteattr

__all__ = ["sanitized_svg"]

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
_XML = "http://www.w3.org/XML/1998/namespace"

_ELEMENTS = frozenset(
    {
        "svg", "g", "defs", "symbol", "use", "title", "desc", "style",
        "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
        "text", "tspan", "linearGradient", "radialGradient", "stop",
        "clipPath", "mask", "pattern",
    }
)  # fmt: skip
# Elements of the SVG namespace that carry no drawing, dropped with their content.
_DROPPED_ELEMENTS = frozenset({"metadata"})
_ATTRIBUTES = frozenset(
    {
        # structure and geometry
        "id", "class", "style", "version", "viewBox", "preserveAspectRatio", "width", "height",
        "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "d",
        "points", "transform", "offset", "pathLength",
        # paint
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
        "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray",
        "stroke-dashoffset", "opacity", "color", "stop-color", "stop-opacity", "clip-path",
        "clip-rule", "mask", "display", "visibility", "vector-effect", "shape-rendering",
        "paint-order", "mix-blend-mode", "isolation",
        # gradients, patterns, clips, masks
        "gradientUnits", "gradientTransform", "spreadMethod", "patternUnits",
        "patternContentUnits", "patternTransform", "clipPathUnits", "maskUnits",
        "maskContentUnits",
        # text
        "font-family", "font-size", "font-weight", "font-style", "text-anchor",
        "dominant-baseline", "letter-spacing", "word-spacing", "dx", "dy", "textLength",
        "lengthAdjust",
        # accessibility
        "role", "aria-label", "aria-hidden", "aria-labelledby", "focusable",
        # references within the logo, checked separately
        "href",
    }
)  # fmt: skip
# Attributes whose values are names or prose, never CSS: "@" or "url(" in them is harmless.
_PLAIN_TEXT_ATTRIBUTES = frozenset({"id", "class", "role", "aria-label", "aria-labelledby"})
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\r\n\f]?|(.))", re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^)]*?)\1\s*\)", re.IGNORECASE)
# After unescaping, lower-cased, white space removed: what may never appear in a logo's CSS.
_CSS_FORBIDDEN = ("@", "image-set(", "expression(", "javascript:", "-moz-binding", "behavior:")
_LOCAL_REFERENCE = re.compile(r"#[A-Za-z_][\w.:-]*")


class _Unsafe(Exception):
    """A logo that cannot be made safe by dropping editor metadata."""


def sanitized_svg(data: bytes) -> tuple[bytes | None, list[str]]:
    """(the logo re-serialised from its checked tree, []), or (None, what is wrong with it)."""
    try:
        root = _parse(data)
    except _Unsafe as error:
        return None, [str(error)]
    if root.tag != f"{{{_SVG}}}svg":
        return None, [f"the root element is <{_shown_name(root.tag)}>, not <svg>"]
    problems: list[str] = []
    body = _serialise(root, problems, is_root=True)
    if problems:
        return None, sorted(set(problems))
    return body.encode("utf-8") + b"\n", []


def _parse(data: bytes) -> ElementTree.Element:
    # Imported here: defusedxml is a compiler dependency, and this module is imported by the
    # validator on every run, logos or not.
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser

    builder = _Builder()  # comments are dropped
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException:
        raise _Unsafe("DOCTYPE, ENTITY and external references are not allowed") from None
    except ElementTree.ParseError as error:
        raise _Unsafe(f"not well-formed XML ({error})") from None
    if not isinstance(root, ElementTree.Element):
        raise _Unsafe("not an XML document")
    return root


class _Builder(ElementTree.TreeBuilder):
    def pi(self, target: str, text: str | None = None) -> ElementTree.Element:
        # Anywhere in the file, before the root too; the XML declaration is not one.
        raise _Unsafe("processing instructions such as <?xml-stylesheet?> are not allowed")


def _split(name: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag or attribute name."""
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return "", name


def _shown_name(name: object) -> str:
    return _split(name)[1][:60] if isinstance(name, str) else "?"


def _serialise(element: ElementTree.Element, problems: list[str], *, is_root: bool) -> str:
    name = _split(element.tag)[1]
    attributes = _attributes(element, name, problems)
    if is_root:
        attributes.insert(0, f"xmlns={quoteattr(_SVG)}")
    opening = f"<{name}{''.join(' ' + a for a in attributes)}"
    if name == "style":
        problems.extend(_css_problems(element.text or "", "<style>"))
    # Text between elements is kept where it can be shown (text, titles, style sheets);
    # elsewhere it is the file's indentation, or stray characters no renderer draws.
    shows_text = name in ("text", "tspan", "title", "desc", "style")
    content = escape(element.text or "") if shows_text else ""
    for child in element:
        if _kept(child, problems):
            content += _serialise(child, problems, is_root=False)
        if shows_text:
            content += escape(child.tail or "")
    return f"{opening}>{content}</{name}>" if content else f"{opening}/>"


def _is_svg_element(element: ElementTree.Element) -> bool:
    namespace, name = _split(element.tag) if isinstance(element.tag, str) else ("?", "")
    return namespace == _SVG and name not in _DROPPED_ELEMENTS


def _kept(element: ElementTree.Element, problems: list[str]) -> bool:
    """Whether a child is written out; an SVG element outside the allow-list is a problem."""
    if not _is_svg_element(element):
        return False
    name = _split(element.tag)[1]
    if name not in _ELEMENTS:
        problems.append(f"<{name[:60]}> elements are not allowed")
        return False
    return True


def _attributes(element: ElementTree.Element, name: str, problems: list[str]) -> list[str]:
    kept: list[str] = []
    for key, value in element.attrib.items():
        namespace, attribute = _split(key)
        if namespace == _XLINK and attribute == "href":
            namespace = ""  # SVG 2 reads a plain href the same way
        elif namespace == _XML and attribute == "space":
            continue
        elif namespace:
            continue  # another vocabulary's metadata (sodipodi:, inkscape:, …)
        if attribute not in _ATTRIBUTES:
            problems.append(f"attribute {attribute[:60]}= on <{name}> is not allowed")
            continue
        if attribute == "href" and not _LOCAL_REFERENCE.fullmatch(value.strip()):
            problems.append(f"external reference href={value[:60]!r} is not allowed")
            continue
        if attribute not in _PLAIN_TEXT_ATTRIBUTES:
            problems.extend(_css_problems(value, f"{attribute}="))
        kept.append(f"{attribute}={quoteattr(value)}")
    return kept


def _css_unescaped(text: str) -> str:
    def character(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        return match.group(2)

    return _CSS_COMMENT.sub("", _CSS_ESCAPE.sub(character, _CSS_COMMENT.sub("", text)))


def _css_problems(text: str, where: str) -> list[str]:
    """What is unsafe in CSS (or a presentation attribute, which takes CSS values)."""
    plain = _css_unescaped(text)
    squeezed = "".join(plain.lower().split())
    problems = [
        f"{token.rstrip('(:')} in {where} is not allowed"
        for token in _CSS_FORBIDDEN
        if token in squeezed
    ]
    for match in _CSS_URL.finditer(plain):
        if not _LOCAL_REFERENCE.fullmatch(match.group(2).strip()):
            problems.append(f"url({match.group(2).strip()[:60]}) in {where} is not allowed")
    if squeezed.count("url(") > len(_CSS_URL.findall(plain)):
        problems.append(f"an unterminated url( in {where} is not allowed")
    return problems
