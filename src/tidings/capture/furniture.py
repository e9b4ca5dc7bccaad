"""Site furniture: boilerplate patterns, and the verdict on one capture unit taken on its own.

:func:`judge` classifies a unit as ``GOOD`` (prose), ``SHORT`` (maybe a subheading or a one-line
paragraph) or ``BAD`` (furniture, with the reason), as in jusText. Context (what stands around a
unit) is :mod:`.body`'s business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lines import Features, is_headline_like, is_prose, is_tag_line, normalise_line
from .stamps import is_date_line, publication

__all__ = ["BAD", "GOOD", "SHORT", "Verdict", "judge"]

# --------------------------------------------------------------------------------------------
# Furniture patterns: general forms of the widgets most news sites share, in the spirit of the
# boilerplate lists of trafilatura and jusText. Each is tried on lines up to a word limit only,
# so that a real paragraph mentioning "subscribe" or "cookies" is never dropped.

_SOCIAL = (
    r"(?:facebook|twitter|x|linkedin|reddit|pinterest|whatsapp|telegram|flipboard|pocket|tumblr|vk|"
    r"email|e-mail"
    r"|instagram|youtube|rss|google\+?|messenger|sms|mix)"
)
# Opens the comments: the article is over, the body may not cross it.
_COMMENTS = (
    r"(?:\d+\s+)?(?:comments?|top (?:rated )?comments|(?:read|view|show|see|load) (?:all |"
    r"more )?(?:\d+ )?comments"
    r"|leave a (?:comment|reply)|post a comment|add (?:a |your )?comment|join the (?:conversation|"
    r"discussion)|discuss(?:ion)?"
    r"|reader comments|responses?|community (?:standards|guidelines|rules).{0,20}|"
    r"comments? (?:are )?closed|conversation"
    r"|\d+ (?:comments?|responses?|replies))(?:\s*\(\d+\))?"
)
# Opens a related-stories list. Such lists also sit inside articles, so they weigh against
# crossing but do not forbid it.
_RELATED = (
    r"(?:related|more|similar|recommended|popular|trending|latest|top) (?:articles|stories|posts|"
    r"news|content|coverage|reads|videos)"
    r"|related|you (?:may|might) also (?:like|enjoy)|more from .{1,40}|more in .{1,40}"
    r"|most (?:popular|read|viewed|shared|commented)|about the author"
)
_TEMPLATE = "|".join(
    [
        # share, print, save
        rf"(?:share|tweet|print|save|bookmark|pin it|copy link|copy url|send|e-?mail)"
        rf"(?: (?:this|the|article|story|page|post|on {_SOCIAL}|via {_SOCIAL}|by {_SOCIAL}))*:?",
        r"share (?:this|the|all)?.{0,60}(?:options|story|article|post|page|facebook|twitter)\b.*",
        r"sharing is caring!?",
        r"\d+\s*(?:shares?|views?|likes?|reactions?)",
        rf"{_SOCIAL}(?:[ ,/|]+{_SOCIAL})*",
        r"(?:follow|like|join|find) (?:us|me)\b.*",
        rf"follow .{{1,40}} on {_SOCIAL}.*",
        # subscriptions and accounts
        r"(?:subscribe|sign ?up|sign ?in|log ?in|log ?out|register|my account|"
        r"create (?:an )?account)\b.{0,60}",
        r".{0,60}\bnewsletters?\b.{0,80}",
        r"(?:enter|your) (?:your )?e-?mail(?: address)?\b.*",
        r"e-?mail address|password|forgot (?:your )?password\??",
        # advertising
        r"advertisement|advertising|advert|ad|ads|sponsored(?: content| post| links?)?|"
        r"promoted(?: content| stories)?"
        r"|paid (?:content|post)|partner content|story continues below(?: advertisement)?|"
        r"continue reading(?: below| the main story)?",
        r"reply|report(?: abuse)?|hide comments",
        # legal
        r".{0,60}\b(?:cookies?|privacy (?:policy|notice|settings|statement)|terms (?:of (?:use|"
        r"service)|and conditions)"
        r"|all rights reserved|do not sell my)\b.*",
        r"(?:copyright|\u00a9|\(c\)).*",
        # reading aids and page tools
        r"\d+\s*%\s*(?:font|text)? ?size",
        r"(?:font|text) size.*",
        r"(?:enable |disable )?(?:read(?:er|ing)? mode|dark mode|night mode)",
        r"(?:get |copy )?(?:short ?url|short link|permalink)",
        r"listen(?: live| now| to (?:this|the) (?:article|story|podcast))?",
        r"(?:audio|video|watch|play)(?: (?:live|now|video|the video|more))*",
        r"\d+ min(?:ute)?s? (?:read|listen)",
        # navigation
        r"(?:skip to|jump to|go to|back to|return to|scroll to).{0,40}",
        r"menu|main menu|close|open|search|home|homepage|next|previous|prev|more|top|back|"
        r"toggle navigation|navigation"
        r"|sections?|topics|explore|trending|popular|latest|loading\.*",
        r"(?:next|previous|prev|older|newer) (?:post|article|story|page|entry|item)\b.*",
        r"you are (?:here|at):?.*",
        r"(?:image|photo|slide|picture) \d+ (?:of|/) \d+.*",
        r"\d+ (?:of|/) \d+",
        r"(?:view |open |back to |photo |image )?(?:gallery|slideshow|caption|enlarge|expand|"
        r"fullscreen|full screen)",
        r"(?:tap|click|press) here\b.*|.*\bclick(?:ing)? here\b.*",
        # metadata labels without their values
        r"(?:published|posted|updated|last updated|modified)\s*:?(?:\s*(?:published|posted|updated|"
        r"last updated|modified)\s*:?)*",
    ]
)
_TAG = (
    r"(?:tags?|topics?|filed under|categories|category|keywords|related tags|related topics)\s*:.*"
)
# Tried in this order on short lines (stripped of bullets and brackets); the group says why.
_SHORT_RE = re.compile(
    f"(?P<comments>{_COMMENTS})|(?P<related>{_RELATED})|(?P<template>{_TEMPLATE})|(?P<tag>{_TAG})",
    re.IGNORECASE,
)
# Cross-links: a label and another story's headline ("READ MORE: Putin Says ...").
_LINK_RE = re.compile(
    r"(?:read|see|watch|listen|also read|also see|read also|see also|more|related|recommended|"
    r"don'?t miss|must read"
    r"|also on [\w.]+|trending|top stories|further reading|more on this|more from [\w .]+|"
    r"in other news|more in [\w .]+)"
    r"\s*(?::|\u2013|\u2014|-|\u00bb|>|\.\.\.|\u2026|\|)\s*.*"
    r"|\[?\s*(?:related|read more|see also|also read)\s*:.*"
    r"|(?:read more|read next|see more|show more|load more|view (?:all|more)|more stories|"
    r"more news|more from .{1,40}"
    r"|related(?: articles| stories| posts| news| coverage| content| links| reading| topics| tags|"
    r" items| videos)?"
    r"|you (?:may|might) also (?:like|enjoy)|recommended(?: for you| stories| articles)?"
    r"|most (?:popular|read|viewed|shared|commented|discussed)"
    r"|(?:top|trending|popular|latest|breaking|editor'?s?) (?:content|news|stories|articles|posts|"
    r"picks|now|videos?)(?: .{0,30})?"
    r"|don'?t miss|editors?'? picks|what to read next|up next|also on .{1,40}|around the web|"
    r"from the web|more in .{1,40}"
    r"|(?:read|see|view) (?:the )?(?:full|original) (?:story|article))[:.!\u2026\u00bb>]*",
    re.IGNORECASE,
)
# Legal, consent and site-policy text, at any length up to _LEGAL_MAX_WORDS.
_LEGAL_START = re.compile(r"\u00a9|copyright\b|\(c\) (?:19|20)\d\d", re.IGNORECASE)
_LEGAL_ANY = re.compile(
    r"\ball rights reserved\b|\b(?:are|is a) (?:registered )?trademarks? of\b", re.IGNORECASE
)
_COOKIE = re.compile(r"\bcookies?\b", re.IGNORECASE)
_COOKIE_CONTEXT = re.compile(
    r"\b(?:web ?site|browser|browsing|experience|consent|accept|opt[- ]out|analytics|"
    r"third[- ]part(?:y|ies)|settings)\b",
    re.IGNORECASE,
)
_THIS_SITE = re.compile(r"\b(?:this|our) (?:web ?site|site|page)\b", re.IGNORECASE)
_SITE_POLICY = re.compile(
    r"\b(?:privacy|terms of (?:use|service)|affiliate|commission|disclaim\w*|information provided|"
    r"not intended|protected by)\b",
    re.IGNORECASE,
)
# Site functions addressed to the reader ("an activation link has been sent to your e-mail").
_YOU = re.compile(r"\b(?:you|your)\b", re.IGNORECASE)
_CALL_TO_ACTION = re.compile(
    r"\b(?:subscri\w+|newsletters?|sign(?:ing)? up|sign in|log in|register|inbox|e-?mail address|"
    r"password|notifications?"
    r"|download (?:our|the) app|activation|unsubscribe)\b",
    re.IGNORECASE,
)
# Photo credits and captions.
_CREDIT_ANY = re.compile(
    r"\bgetty ?images\b|\bap photo\b|\bshutterstock\b|\bistock(?:photo)?\b|\balamy\b|\bepa-efe\b"
    r"|\b(?:image|photo|picture) (?:copyright|caption|credit|source)\b|\bfile photo\b|"
    r"\bcredits?\s*(?::|\.\.\.|\u2026)"
    r"|\((?:photo|image|picture|credit)s?\s*[:/]",
    re.IGNORECASE,
)
_CREDIT_START = re.compile(
    r"(?:photo|image|picture|pic|illustration|graphic|video|source)s?(?: by)?\s*:", re.IGNORECASE
)
_BYLINE_RE = re.compile(
    r"(?:by|from|written by|posted by|reporting by|text:?|"
    r"author:?)\s+[\w.'\u2019-]+(?:\s+[\w.'\u2019&,-]+){0,6}",
    re.IGNORECASE,
)
_URLISH = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|@\w+|#\w+", re.IGNORECASE)
_BULLETS = " \t-\u2013\u2014|:\u2022\u00b7*>\u00bb\u203a[](){}!,."

# Widget labels are short: twelve words covers every one we have seen.
_PATTERN_MAX_WORDS = 12
# A cross-link is its label plus another story's headline, which may be long.
_LINK_MAX_WORDS = 30
_CREDIT_MAX_WORDS = 40
# Cookie banners and disclaimers run to a few sentences.
_LEGAL_MAX_WORDS = 80


# Substrings without which the legal, call-to-action and credit tests cannot match; one search
# for them (on the lower-cased line) keeps those tests off most lines.
_TRIGGER = re.compile(
    "cookie|copyright|\u00a9|\\(c\\)|rights "
    "reserved|trademark|site|page|subscri|newsletter|sign|log in|register|inbox|mail"
    "|password|notification|download|activation|getty|photo|image|picture|shutterstock|istock|alamy|epa-efe|credit"
    "|illustration|graphic|video|source|pic"
)


def _is_legal(text: str) -> bool:
    return bool(
        _LEGAL_START.match(text)
        or _LEGAL_ANY.search(text)
        or (_COOKIE.search(text) and _COOKIE_CONTEXT.search(text))
        or (_THIS_SITE.search(text) and _SITE_POLICY.search(text))
    )


# --------------------------------------------------------------------------------------------
# Verdicts

GOOD, SHORT, BAD = 2, 1, 0


@dataclass(frozen=True, slots=True)
class Verdict:
    """The class one unit gets on its own, and what it means for the search for the body."""

    kind: int  # GOOD, SHORT or BAD
    reason: str = ""  # why a unit is BAD
    template: bool = False  # site template (navigation, share, footer): goes to .template
    barrier: int = 0  # 2: opens the comments (a wall); 1: opens a related-stories list


def judge(
    text: str, f: Features, alone: bool, separated: bool, recurring: frozenset[str]
) -> Verdict:
    """Classify one unit on its own features; context comes later."""
    if f.alpha == 0:
        return Verdict(BAD, "no-words", template=not f.digits)
    if f.words <= _PATTERN_MAX_WORDS:
        bare = text.strip(_BULLETS)
        m = _SHORT_RE.fullmatch(bare)
        if m is not None:
            group = m.lastgroup or ""
            barrier = 2 if group == "comments" else 1 if group == "related" else 0
            return Verdict(BAD, group, template=group != "tag", barrier=barrier)
        if is_date_line(text) or publication(text)[0]:
            return Verdict(BAD, "date")
        if not f.terminal and f.caps >= 0.5 and _BYLINE_RE.fullmatch(bare):
            return Verdict(BAD, "byline")
        if not _URLISH.sub("", text).strip(" ,;|/"):
            return Verdict(BAD, "address", template=True)
    if f.words <= _LEGAL_MAX_WORDS and _TRIGGER.search(text.lower()):
        if _is_legal(text):
            return Verdict(BAD, "legal", template=True)
        if f.words <= _LEGAL_MAX_WORDS // 2 and _YOU.search(text) and _CALL_TO_ACTION.search(text):
            return Verdict(BAD, "call-to-action", template=True)
        if f.words <= _CREDIT_MAX_WORDS and (_CREDIT_ANY.search(text) or _CREDIT_START.match(text)):
            return Verdict(BAD, "credit")
    if f.words <= _LINK_MAX_WORDS and _LINK_RE.fullmatch(text):
        return Verdict(BAD, "cross-link")
    prose = is_prose(f)
    if not prose and recurring and normalise_line(text) in recurring:
        return Verdict(BAD, "recurring", template=True)
    if f.words <= 2 and not f.terminal:
        # One or two words alone on a line: section labels, photo credits, buttons.
        return Verdict(BAD, "label", template=not f.digits)
    if f.separators >= 2 and not f.terminal:
        return Verdict(BAD, "nav", template=True)
    if is_tag_line(text, f):
        return Verdict(BAD, "tags")
    if prose and f.length >= 80:
        return Verdict(GOOD)
    if separated and not alone and is_headline_like(f):
        # Where paragraphs stand apart, a headline glued to a paragraph is a cross-link widget.
        return Verdict(BAD, "glued")
    return Verdict(SHORT)
