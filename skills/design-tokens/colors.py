"""CSS colours: hex, rgb()/rgba(), hsl()/hsla() and the 148 named colours, normalised to W3C Design Tokens colours."""

import colorsys
import re
from typing import Dict, List, Optional, Tuple

NAMED: Dict[str, str] = dict(
    pair.split(":")
    for pair in (
    "aliceblue:f0f8ff antiquewhite:faebd7 aqua:00ffff aquamarine:7fffd4 azure:f0ffff beige:f5f5dc bisque:ffe4c4 "
    "black:000000 blanchedalmond:ffebcd blue:0000ff blueviolet:8a2be2 brown:a52a2a burlywood:deb887 cadetblue:5f9ea0 "
    "chartreuse:7fff00 chocolate:d2691e coral:ff7f50 cornflowerblue:6495ed cornsilk:fff8dc crimson:dc143c cyan:00ffff "
    "darkblue:00008b darkcyan:008b8b darkgoldenrod:b8860b darkgray:a9a9a9 darkgreen:006400 darkgrey:a9a9a9 "
    "darkkhaki:bdb76b darkmagenta:8b008b darkolivegreen:556b2f darkorange:ff8c00 darkorchid:9932cc darkred:8b0000 "
    "darksalmon:e9967a darkseagreen:8fbc8f darkslateblue:483d8b darkslategray:2f4f4f darkslategrey:2f4f4f "
    "darkturquoise:00ced1 darkviolet:9400d3 deeppink:ff1493 deepskyblue:00bfff dimgray:696969 dimgrey:696969 "
    "dodgerblue:1e90ff firebrick:b22222 floralwhite:fffaf0 forestgreen:228b22 fuchsia:ff00ff gainsboro:dcdcdc "
    "ghostwhite:f8f8ff gold:ffd700 goldenrod:daa520 gray:808080 green:008000 greenyellow:adff2f grey:808080 "
    "honeydew:f0fff0 hotpink:ff69b4 indianred:cd5c5c indigo:4b0082 ivory:fffff0 khaki:f0e68c lavender:e6e6fa "
    "lavenderblush:fff0f5 lawngreen:7cfc00 lemonchiffon:fffacd lightblue:add8e6 lightcoral:f08080 lightcyan:e0ffff "
    "lightgoldenrodyellow:fafad2 lightgray:d3d3d3 lightgreen:90ee90 lightgrey:d3d3d3 lightpink:ffb6c1 "
    "lightsalmon:ffa07a lightseagreen:20b2aa lightskyblue:87cefa lightslategray:778899 lightslategrey:778899 "
    "lightsteelblue:b0c4de lightyellow:ffffe0 lime:00ff00 limegreen:32cd32 linen:faf0e6 magenta:ff00ff maroon:800000 "
    "mediumaquamarine:66cdaa mediumblue:0000cd mediumorchid:ba55d3 mediumpurple:9370db mediumseagreen:3cb371 "
    "mediumslateblue:7b68ee mediumspringgreen:00fa9a mediumturquoise:48d1cc mediumvioletred:c71585 "
    "midnightblue:191970 mintcream:f5fffa mistyrose:ffe4e1 moccasin:ffe4b5 navajowhite:ffdead navy:000080 "
    "oldlace:fdf5e6 olive:808000 olivedrab:6b8e23 orange:ffa500 orangered:ff4500 orchid:da70d6 palegoldenrod:eee8aa "
    "palegreen:98fb98 paleturquoise:afeeee palevioletred:db7093 papayawhip:ffefd5 peachpuff:ffdab9 peru:cd853f "
    "pink:ffc0cb plum:dda0dd powderblue:b0e0e6 purple:800080 rebeccapurple:663399 red:ff0000 rosybrown:bc8f8f "
    "royalblue:4169e1 saddlebrown:8b4513 salmon:fa8072 sandybrown:f4a460 seagreen:2e8b57 seashell:fff5ee "
    "sienna:a0522d silver:c0c0c0 skyblue:87ceeb slateblue:6a5acd slategray:708090 slategrey:708090 snow:fffafa "
    "springgreen:00ff7f steelblue:4682b4 tan:d2b48c teal:008080 thistle:d8bfd8 tomato:ff6347 turquoise:40e0d0 "
    "violet:ee82ee wheat:f5deb3 white:ffffff whitesmoke:f5f5f5 yellow:ffff00 yellowgreen:9acd32 "
    ).split()
)

HEX = re.compile(r"#(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{6}|[0-9a-fA-F]{3,4})(?![-\w])")
FUNCTION = re.compile(r"\b(rgba?|hsla?)\(\s*([^()]*)\)", re.I)
WORD = re.compile(r"(?<![-\w#.])[a-zA-Z]+(?![-\w(])")
ANY_COLOUR = re.compile(HEX.pattern + "|" + FUNCTION.pattern + "|" + WORD.pattern, re.I)

URL = re.compile(r"url\([^)]*\)", re.I)
RGBA = Tuple[float, float, float, float]  # 0..1 each


def _number(text: str, scale: float) -> float:
    """A CSS number as a fraction of `scale` (`128` of 255 → 0.502), or a percentage as a fraction (`50%` → 0.5)."""
    text = text.strip()
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text) / scale


def _parts(arguments: str) -> List[str]:
    """The arguments of rgb()/hsl(), comma- or space-separated, with an optional `/ alpha`."""
    main, _, alpha = arguments.partition("/")
    parts = [p for p in re.split(r"[\s,]+", main.strip()) if p]
    if alpha.strip():
        parts.append(alpha.strip())
    return parts


def parse(text: str) -> Optional[RGBA]:
    """The colour a CSS colour value names, or None (transparent, currentColor, var(), unknown)."""
    text = text.strip()
    low = text.lower()
    if low in NAMED:
        text, low = "#" + NAMED[low], "#" + NAMED[low]
    if HEX.fullmatch(text):
        digits = low[1:]
        if len(digits) in (3, 4):
            digits = "".join(c * 2 for c in digits)
        values = [int(digits[i: i + 2], 16) / 255 for i in range(0, len(digits), 2)]
        return (values[0], values[1], values[2], values[3] if len(values) == 4 else 1.0)
    match = FUNCTION.fullmatch(text)
    if not match:
        return None
    parts = _parts(match.group(2))
    if len(parts) not in (3, 4):
        return None
    try:
        alpha = _number(parts[3], 1) if len(parts) == 4 else 1.0
        if match.group(1).lower().startswith("rgb"):
            r, g, b = (_number(p, 255) for p in parts[:3])
        else:
            hue = float(re.sub(r"deg$", "", parts[0])) / 360 % 1
            r, g, b = colorsys.hls_to_rgb(hue, _number(parts[2], 100), _number(parts[1], 100))
    except ValueError:
        return None
    clamp = lambda v: min(1.0, max(0.0, v))  # noqa: E731
    return (clamp(r), clamp(g), clamp(b), clamp(alpha))


def find(value: str) -> List[RGBA]:
    """Every colour in a CSS value (e.g. both colours of a gradient, the colour of `border: 1px solid red`)."""
    found = []
    for match in ANY_COLOUR.finditer(URL.sub(" ", value)):
        colour = parse(match.group(0))
        if colour is not None:
            found.append(colour)
    return found


def hex_of(colour: RGBA) -> str:
    channels = [round(c * 255 + 1e-9) for c in colour[:3]]  # + 1e-9: 0.49999… from hsl() is 128, as in browsers
    alpha = "" if colour[3] >= 1 else f"{round(colour[3] * 255):02x}"
    return "#" + "".join(f"{c:02x}" for c in channels) + alpha


def token_value(colour: RGBA) -> Dict[str, object]:
    """The Design Tokens (2025.10) colour value: sRGB components 0..1, alpha, and the hex form."""
    hex_value = hex_of(colour)  # 8 bits a channel: colours that differ less than that are one token
    channels = [int(hex_value[i: i + 2], 16) / 255 for i in range(1, len(hex_value), 2)]
    value: Dict[str, object] = {
        "colorSpace": "srgb",
        "components": [round(c, 4) for c in channels[:3]],
        "hex": hex_value[:7],
    }
    if len(channels) == 4:
        byte = int(hex_value[7:9], 16)
        short = round(byte / 255, 2)  # 0.1 rather than 0.102 when both are the same byte
        value["alpha"] = short if round(short * 255) == byte else round(byte / 255, 3)
    return value
