"""Text that must stay text: user- or file-supplied words made inert for the Markdown Streamlit renders."""

from __future__ import annotations

import re

# ---------------------------------------------------------------- text that must stay text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
# Every ASCII punctuation mark Markdown (CommonMark, GFM autolinks, Streamlit's directives, KaTeX) gives a meaning;
# the harmless ones (" ' , ; ? % /) are left alone so messages stay readable.
_MARKDOWN_SPECIAL = set("\\`*_{}[]()<>#+-.!|~$:&@=^")


WORD_JOINER = "\u2060"  # zero width, not read aloud, no line break
_WWW = re.compile(r"(?i)www(?=\.)")


def unplain(text: str) -> str:
    """What plain() text reads as on the page (escapes and word joiners removed): for messages built from it, and
    for tests."""
    return re.sub(r"\\(.)", r"\1", text).replace(WORD_JOINER, "")


def plain(text) -> str:
    """User- or file-supplied text (a figure's source or note, a file name, an area or indicator name) made inert for
    the Markdown Streamlit renders in titles, notices, captions and widget labels: every Markdown-significant character
    is backslash-escaped (links, images, HTML, emphasis, :red[…] and :material/…: directives, $…$ maths, autolinked
    addresses) and line breaks become spaces, so the text is shown exactly as written, on one line."""
    s = "" if text is None else str(text)
    s = _CONTROL.sub("", s.replace("\t", " "))
    s = " ".join(s.split())  # newlines would start paragraphs, headings or lists; indentation a code block
    # Streamlit turns addresses (http://…, www.…, a@b.org) into links and :material/name: into icons by searching the
    # text after Markdown has been parsed, where escapes are gone: an invisible word joiner breaks each pattern.
    s = _WWW.sub(lambda m: m.group(0) + WORD_JOINER, s.replace(":", ":" + WORD_JOINER).replace("@", WORD_JOINER + "@"))
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in s)


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def plain_with_email_links(text) -> str:
    """plain(), except that each e-mail address becomes a mailto: link whose text is the address exactly (no word
    joiner, so it copies as written). Only well-formed addresses are linked; everything else stays text."""
    s = " ".join(("" if text is None else str(text)).split())

    def between(part: str) -> str:  # plain() trims; the spaces around an address are kept
        return (" " if part[:1] == " " else "") + plain(part) + (" " if part[-1:] == " " and part.strip() else "")

    out, at = [], 0
    for m in _EMAIL.finditer(s):
        address = m.group(0)
        shown = "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in address)
        out += [between(s[at : m.start()]), f"[{shown}](mailto:{address})"]
        at = m.end()
    out.append(between(s[at:]))
    return "".join(out)
