"""Logos: parsed in their own encoding, checked against an allow-list, written out again."""

from __future__ import annotations

import pytest

from llm_registry.codegen.svg import sanitized_svg

SVG = 'xmlns="http://www.w3.org/2000/svg"'


def _utf16(text: str) -> bytes:
    return text.encode("utf-16")  # with a byte-order mark, as editors write it


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        # Declarations and processing instructions, in any encoding.
        (_utf16(f'<!DOCTYPE svg [<!ENTITY a "b">]><svg {SVG}/>'), "DOCTYPE"),
        (_utf16(f'<!DOCTYPE svg SYSTEM "http://evil.example/x.dtd"><svg {SVG}/>'), "DOCTYPE"),
        (
            _utf16(f'<?xml-stylesheet href="http://evil.example/a.css"?><svg {SVG}/>'),
            "processing instructions",
        ),
        (f"<svg {SVG}><?php echo 1 ?></svg>".encode(), "processing instructions"),
        # CSS, after its escapes and comments are undone.
        (f'<svg {SVG}><rect style="fill: \\75 rl(http://x.example/a)"/></svg>'.encode(), "url("),
        (f"<svg {SVG}><style>@\\69mport 'http://x.example/a.css';</style></svg>".encode(), "@"),
        (f"<svg {SVG}><style>@im/**/port 'a.css';</style></svg>".encode(), "@"),
        (
            f"<svg {SVG}><rect style=\"background: image-set('a.png' 1x)\"/></svg>".encode(),
            "image-set",
        ),
        (f'<svg {SVG}><rect fill="url(http://x.example/a#b)"/></svg>'.encode(), "url("),
        (f'<svg {SVG}><rect style="width: expression(alert(1))"/></svg>'.encode(), "expression"),
        # Animation that rewrites references or handlers.
        (
            f'<svg {SVG}><a><set attributeName="href" to="data:text/html,x"/></a></svg>'.encode(),
            "<a>",
        ),
        (
            f'<svg {SVG}><use href="#a"><animate attributeName="href" values="javascript:x"/>'
            "</use></svg>".encode(),
            "<animate>",
        ),
        (f'<svg {SVG}><set attributeName="onclick" to="alert(1)"/></svg>'.encode(), "<set>"),
        # Scripting, foreign content, references outside the logo.
        (f"<svg {SVG}><script>alert(1)</script></svg>".encode(), "<script>"),
        (f"<svg {SVG}><foreignObject/></svg>".encode(), "<foreignObject>"),
        (f'<svg {SVG}><rect onload="alert(1)"/></svg>'.encode(), "onload="),
        (
            f'<svg {SVG}><image href="data:image/svg+xml;base64,PHN2Zy8+"/></svg>'.encode(),
            "<image>",
        ),
        (f'<svg {SVG}><use href="https://x.example/a.svg#b"/></svg>'.encode(), "external"),
        (
            f'<svg {SVG} xmlns:x="http://www.w3.org/1999/xlink"><use x:href="data:,x"/></svg>'.encode(),
            "external",
        ),
        # Not an SVG at all.
        (b"<html/>", "not <svg>"),
        (b"<svg>", "not well-formed"),
        (b"<svg/>", "not <svg>"),  # no SVG namespace: a browser would not draw it as one
    ],
)
def test_unsafe_logos_are_refused(data: bytes, problem: str) -> None:
    output, problems = sanitized_svg(data)
    assert output is None
    assert any(problem in message for message in problems), problems


def test_what_ships_is_the_checked_tree_written_out_again() -> None:
    data = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg {SVG} xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"'
        ' xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 24 24">\n'
        "  <!-- a comment -->\n"
        "  <metadata><rdf/></metadata>\n"
        '  <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>\n'
        '  <path inkscape:label="Layer 1" d="M0 0h24v24z" fill="url(#g)"/>\n'
        '  <use xlink:href="#g"/>\n'
        "  <text>A &amp; B</text>\n"
        "</svg>\n"
    ).encode()
    output, problems = sanitized_svg(data)
    assert problems == []
    assert (
        output
        == (
            f'<svg {SVG} viewBox="0 0 24 24">'
            '<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>'
            '<path d="M0 0h24v24z" fill="url(#g)"/>'
            '<use href="#g"/>'
            "<text>A &amp; B</text>"
            "</svg>\n"
        ).encode()
    )
    # Written out again, a safe logo is unchanged: the output is its own fixed point.
    assert sanitized_svg(output) == (output, [])


def test_a_utf16_logo_ships_as_utf8() -> None:
    output, problems = sanitized_svg(_utf16(f"<svg {SVG}><title>Ünïcode</title></svg>"))
    assert problems == []
    assert output == f"<svg {SVG}><title>Ünïcode</title></svg>\n".encode()
