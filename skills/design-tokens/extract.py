"""Design tokens from HTML and CSS: colours, font families, font sizes, spacing, radii and shadows.

Every declaration of every style sheet, <style> block and style="" attribute is read; `var(--x)` is resolved
through the custom properties defined anywhere. Values are normalised (`#FFF`, `white` and `rgb(255,255,255)` are
one colour; `.5rem` and `0.50rem` one size), counted, ranked by use and written as W3C Design Tokens (format
2025.10): colours as sRGB components with hex, dimensions as {value, unit} in px or rem.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Dict, List, Optional, Tuple

import colors

EXTENSION = "com.odoobo.design-tokens"

# --- reading HTML and CSS ----------------------------------------------------------------------------------------


class PageReader(HTMLParser):
    """Collects <style> blocks, style="" attributes and the hrefs of <link rel="stylesheet">."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.style_blocks: List[str] = []
        self.style_attributes: List[str] = []
        self.stylesheet_links: List[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        attributes = {k.lower(): v or "" for k, v in attrs}
        if attributes.get("style", "").strip():
            self.style_attributes.append(attributes["style"])
        if tag == "style":
            self._in_style = True
            self.style_blocks.append("")
        elif tag == "link" and "stylesheet" in attributes.get("rel", "").lower().split() and attributes.get("href"):
            self.stylesheet_links.append(attributes["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style_blocks[-1] += data


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader


COMMENT = re.compile(r"/\*.*?\*/", re.S)
DECLARATION = re.compile(r"^\s*(--[\w-]+|[a-zA-Z-]+)\s*:\s*(.+?)\s*$", re.S)


def declarations(css: str) -> List[Tuple[str, str]]:
    """(property, value) of every declaration in a style sheet, nested rules and @media blocks included."""
    text = COMMENT.sub(" ", css)
    text = re.sub(r"@(?:import|charset|namespace)[^;]*;", " ", text, flags=re.I)
    found: List[Tuple[str, str]] = []
    start = 0
    for match in re.finditer(r"[{}]", text + "}"):
        segment = text[start: match.start()]
        start = match.end()
        if match.group(0) == "{":
            segment = segment.rsplit(";", 1)[0] if ";" in segment else ""  # declarations before a nested rule
        for part in segment.split(";"):
            declaration = DECLARATION.match(part)
            if declaration:
                found.append((declaration.group(1).lower() if not declaration.group(1).startswith("--")
                              else declaration.group(1), re.sub(r"\s*!important\s*$", "", declaration.group(2), flags=re.I)))
    return found


VAR = re.compile(r"var\(\s*(--[\w-]+)\s*(?:,\s*((?:[^()]|\([^()]*\))*))?\)")


def resolve(value: str, custom: Dict[str, str], depth: int = 0) -> Optional[str]:
    """`value` with var(--x) replaced by the custom property's value (or the fallback); None when undefined."""
    if "var(" not in value:
        return value
    if depth > 10:
        return None
    missing = False

    def replace(match: "re.Match[str]") -> str:
        nonlocal missing
        name, fallback = match.group(1), match.group(2)
        if name in custom:
            inner = resolve(custom[name], custom, depth + 1)
        else:
            inner = resolve(fallback, custom, depth + 1) if fallback is not None else None
        if inner is None:
            missing = True
            return ""
        return inner

    result = VAR.sub(replace, value)
    return None if missing else result


# --- values ------------------------------------------------------------------------------------------------------

LENGTH = re.compile(r"(?<![\w.#-])(-?(?:\d+\.?\d*|\.\d+))(px|rem|em|pt|%|vh|vw|vmin|vmax|ch|ex)?(?![\w%(])", re.I)
FONT_SIZE_KEYWORDS = {"xx-small", "x-small", "small", "medium", "large", "x-large", "xx-large", "xxx-large",
                      "smaller", "larger"}
GENERIC_WIDE = {"inherit", "initial", "unset", "revert", "revert-layer", "none", "normal", "auto"}


def dimension(number: str, unit: Optional[str]) -> Optional[Dict[str, Any]]:
    """{value, unit} in px or rem (pt is converted to px); None for 0, other units and unitless numbers."""
    value = float(number)
    unit = (unit or "").lower()
    if unit == "pt":
        value, unit = value * 4 / 3, "px"
    if unit not in ("px", "rem") or value == 0:
        return None
    value = round(value, 3)
    return {"value": int(value) if value == int(value) else value, "unit": unit}


def lengths(value: str, skipped: Counter) -> List[Dict[str, Any]]:
    """The px/rem lengths of a value (`8px 16px`); other units are counted in `skipped`."""
    if "calc(" in value or "clamp(" in value or "min(" in value or "max(" in value:
        skipped["calc()"] += 1
        return []
    found = []
    for number, unit in LENGTH.findall(value):
        if float(number) < 0:
            continue
        size = dimension(number, unit)
        if size is not None:
            found.append(size)
        elif float(number) != 0:
            skipped[unit.lower() or "unitless"] += 1
    return found


def font_families(value: str) -> Optional[List[str]]:
    names = [name.strip().strip("\"'").strip() for name in value.split(",")]
    names = [n for n in names if n and n.lower() not in GENERIC_WIDE]
    return names or None


FONT_SHORTHAND = re.compile(
    r"(?:^|\s)((?:\d+\.?\d*|\.\d+)(?:px|rem|em|pt|%)|" + "|".join(sorted(FONT_SIZE_KEYWORDS, key=len, reverse=True))
    + r")(?:\s*/\s*\S+)?\s+(.+)$",
    re.I,
)


def split_shorthand_font(value: str) -> Tuple[Optional[str], Optional[str]]:
    """(size, families) of a `font:` shorthand such as `italic 700 16px/1.5 Inter, sans-serif`."""
    match = FONT_SHORTHAND.search(value)
    return (match.group(1), match.group(2)) if match else (None, None)


def split_top_level(value: str, separator: str = ",") -> List[str]:
    parts, depth, current = [], 0, ""
    for char in value:
        depth += char == "("
        depth -= char == ")"
        if char == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def shadows(value: str, skipped: Counter) -> Optional[List[Dict[str, Any]]]:
    """The W3C shadow objects of a box-shadow value; None for `none` or a shadow in other units."""
    if value.strip().lower() in GENERIC_WIDE:
        return None
    result = []
    for layer in split_top_level(value):
        found = colors.find(layer)
        without_colour = colors.ANY_COLOUR.sub(" ", layer)
        parts = LENGTH.findall(without_colour)
        if not 2 <= len(parts) <= 4 or any((u or "").lower() not in ("px", "rem", "pt") and float(n) != 0 for n, u in parts):
            skipped["shadow"] += 1
            return None
        dims = [dimension(n, u) or {"value": 0, "unit": "px"} for n, u in parts] + [{"value": 0, "unit": "px"}] * 2
        shadow: Dict[str, Any] = {
            "color": colors.token_value(found[0] if found else (0.0, 0.0, 0.0, 1.0)),
            "offsetX": dims[0],
            "offsetY": dims[1],
            "blur": dims[2],
            "spread": dims[3],
        }
        if re.search(r"\binset\b", layer, re.I):
            shadow["inset"] = True
        result.append(shadow)
    return result or None


# --- tokens ------------------------------------------------------------------------------------------------------

COLOUR_PROPERTIES = re.compile(
    r"^(?:color|background(?:-color)?|border(?:-(?:top|right|bottom|left|block|inline)(?:-(?:start|end))?)?(?:-color)?"
    r"|outline(?:-color)?|fill|stroke|text-decoration(?:-color)?|caret-color|column-rule(?:-color)?|accent-color"
    r"|text-emphasis-color|scrollbar-color)$"
)
SPACING_PROPERTIES = re.compile(r"^(?:margin|padding)(?:-(?:top|right|bottom|left|block|inline)(?:-(?:start|end))?)?$"
                                r"|^(?:row-|column-|grid-|grid-row-|grid-column-)?gap$")
RADIUS_PROPERTIES = re.compile(r"^border(?:-(?:top|bottom|start|end)-(?:left|right|start|end))?-radius$")

GROUPS = {  # group → ($type, prefix of generated names)
    "color": ("color", "color"),
    "fontFamily": ("fontFamily", "font-family"),
    "fontSize": ("dimension", "font-size"),
    "spacing": ("dimension", "spacing"),
    "borderRadius": ("dimension", "radius"),
    "shadow": ("shadow", "shadow"),
}


@dataclass
class Candidate:
    value: Any
    uses: int = 0
    order: int = 0
    properties: Counter = field(default_factory=Counter)
    via: Counter = field(default_factory=Counter)  # custom properties it was used through: `color: var(--brand)`
    custom_property: Optional[str] = None

    def name_source(self) -> Optional[str]:
        """The custom property that names the token: the one it is used through most, or one that defines it."""
        return self.via.most_common(1)[0][0] if self.via else self.custom_property


@dataclass
class Collector:
    groups: Dict[str, Dict[str, Candidate]] = field(default_factory=lambda: {g: {} for g in GROUPS})
    skipped: Counter = field(default_factory=Counter)
    seen: int = 0

    def add(self, group: str, value: Any, prop: str, vias: Dict[str, str]) -> None:
        key = key_of(value)
        via = vias.get(key)
        candidates = self.groups[group]
        if key not in candidates:
            self.seen += 1
            candidates[key] = Candidate(value, order=self.seen)
        candidate = candidates[key]
        candidate.uses += 1
        candidate.properties[prop] += 1
        if via:
            candidate.via[via] += 1

    def define_colour(self, custom_property: str, value: str) -> None:
        """A custom property whose value is a colour is a colour token, used or not (a palette)."""
        colour = colors.parse(value)
        if colour is None:
            return
        value_object = colors.token_value(colour)
        key = key_of(value_object)
        if key not in self.groups["color"]:
            self.seen += 1
            self.groups["color"][key] = Candidate(value_object, order=self.seen)
        candidate = self.groups["color"][key]
        candidate.custom_property = candidate.custom_property or custom_property

    def read(self, prop: str, value: str, vias: Dict[str, str]) -> None:
        """Files the tokens of one declaration (after var() resolution) under their groups. `vias` maps the value
        of each custom property the declaration used (as a token value key) to its name."""
        low = value.strip().lower()
        if not low or low in GENERIC_WIDE:
            return
        if COLOUR_PROPERTIES.match(prop):
            for colour in colors.find(value):
                self.add("color", colors.token_value(colour), prop, vias)
        if prop in ("font-family", "font"):
            size, families = (None, value) if prop == "font-family" else split_shorthand_font(value)
            names = font_families(families) if families else None
            if names:
                self.add("fontFamily", names, prop, vias)
            if size and size.lower() in FONT_SIZE_KEYWORDS:
                self.skipped["keyword font size"] += 1
            elif size:
                for found in lengths(size, self.skipped):
                    self.add("fontSize", found, prop, vias)
        if prop == "font-size":
            for found in lengths(value, self.skipped):
                self.add("fontSize", found, prop, vias)
        if SPACING_PROPERTIES.match(prop):
            for found in lengths(value, self.skipped):
                self.add("spacing", found, prop, vias)
        if RADIUS_PROPERTIES.match(prop):
            for found in lengths(value, self.skipped):
                self.add("borderRadius", found, prop, vias)
        if prop == "box-shadow":
            found_shadows = shadows(value, self.skipped)
            if found_shadows:
                self.add("shadow", found_shadows[0] if len(found_shadows) == 1 else found_shadows, prop, vias)


def key_of(value: Any) -> str:
    return json.dumps(value, sort_keys=True).lower()


def vias_of(value: str, custom: Dict[str, str]) -> Dict[str, str]:
    """Token value key → custom property, for the var()s of `value` whose value is one colour or one length."""
    vias: Dict[str, str] = {}
    for name, _ in VAR.findall(value):
        resolved = resolve(custom.get(name, ""), custom) or ""
        colour = colors.parse(resolved)
        sizes = lengths(resolved, Counter()) if LENGTH.fullmatch(resolved.strip()) else []
        names = font_families(resolved) if "," in resolved else None
        for token in ([colors.token_value(colour)] if colour else []) + sizes + ([names] if names else []):
            vias.setdefault(key_of(token), name)
    return vias


def token_name(prefix: str, custom_property: Optional[str], rank: int, taken: set) -> str:
    """`--brand-blue` → `brand-blue`; otherwise `<prefix>-<rank>`; a suffix keeps names unique in a group."""
    name = custom_property[2:] if custom_property else f"{prefix}-{rank}"
    base, n = name, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def extract(sheets: List[str], limit: int) -> Dict[str, Any]:
    """Tokens, summary and notes for the given style sheets (CSS text)."""
    all_declarations = [d for sheet in sheets for d in declarations(sheet)]
    custom: Dict[str, str] = {}
    for prop, value in all_declarations:
        if prop.startswith("--"):
            custom.setdefault(prop, value)
    collector = Collector()
    unresolved = 0
    for prop, value in all_declarations:
        resolved = resolve(value, custom)
        if resolved is None:
            unresolved += 1
        elif prop.startswith("--"):
            collector.define_colour(prop, resolved)
        else:
            collector.read(prop, resolved, vias_of(value, custom))
    tokens: Dict[str, Any] = {}
    summary: Dict[str, Any] = {}
    for group, candidates in collector.groups.items():
        type_, prefix = GROUPS[group]
        ranked = sorted(candidates.values(), key=lambda c: (-c.uses, c.order))
        summary[group] = len(ranked)
        taken: set = set()
        entries = {}
        for rank, candidate in enumerate(ranked[:limit], 1):
            source = candidate.name_source()
            entries[token_name(prefix, source, rank, taken)] = {
                "$type": type_,
                "$value": candidate.value,
                "$extensions": {
                    EXTENSION: {
                        "uses": candidate.uses,
                        "properties": dict(candidate.properties.most_common()),
                        **({"customProperty": source} if source else {}),
                    }
                },
            }
        if entries:
            tokens[group] = entries
    skipped = dict(collector.skipped.most_common())
    if unresolved:
        skipped["undefined var()"] = unresolved
    return {"tokens": tokens, "summary": summary, "declarations": len(all_declarations), "skipped": skipped}
