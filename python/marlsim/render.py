"""Draw calls (a world's `render`) as an RGB image, in numpy: discs, rectangles and lines.

Text is not drawn (an RGB array has no fonts here). Colours: "#rrggbb", "#rgb" or a few names;
anything else is grey.
"""
from __future__ import annotations

import numpy as np

NAMED = {"black": (0, 0, 0), "white": (255, 255, 255), "red": (228, 87, 46), "green": (76, 175, 80),
         "blue": (41, 128, 185), "yellow": (241, 196, 15), "orange": (243, 156, 18), "grey": (128, 128, 128),
         "gray": (128, 128, 128), "purple": (142, 68, 173)}
DEFAULT = (90, 90, 90)
BACKGROUND = (255, 255, 255)


def colour(text):
    if not text:
        return DEFAULT
    text = text.strip().lower()
    if text.startswith("#") and len(text) in (4, 7):
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        try:
            return tuple(int(digits[k: k + 2], 16) for k in (0, 2, 4))
        except ValueError:
            return DEFAULT
    return NAMED.get(text, DEFAULT)


def bounds(calls, view):
    """The world rectangle shown: the world's `view`, else everything drawn with a margin."""
    if view and len(view) == 4:
        return view
    xs, ys = [], []
    for call in calls:
        v = call["values"]
        if call["kind"] == "circle":
            xs += [v[0] - v[2], v[0] + v[2]]
            ys += [v[1] - v[2], v[1] + v[2]]
        elif call["kind"] in ("line", "rect"):
            ends = (v[0], v[1], v[2], v[3]) if call["kind"] == "line" else (v[0], v[1], v[0] + v[2], v[1] + v[3])
            xs += [ends[0], ends[2]]
            ys += [ends[1], ends[3]]
    if not xs:
        return [0.0, 0.0, 1.0, 1.0]
    margin = 0.05 * max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    return [min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin]


def rasterize(calls, view, size: int = 400) -> np.ndarray:
    """An image [size, size, 3] of uint8; y grows upwards in the world and downwards in the image."""
    image = np.empty((size, size, 3), dtype=np.uint8)
    image[...] = BACKGROUND
    x0, y0, x1, y1 = bounds(calls, view)
    scale = (size - 1) / max(x1 - x0, y1 - y0, 1e-12)
    rows, columns = np.mgrid[0:size, 0:size]
    wx = x0 + columns / scale
    wy = y0 + (size - 1 - rows) / scale
    for call in calls:
        v, kind, rgb = call["values"], call["kind"], colour(call.get("color"))
        if kind == "circle":
            mask = (wx - v[0]) ** 2 + (wy - v[1]) ** 2 <= v[2] ** 2
        elif kind == "rect":
            mask = (wx >= v[0]) & (wx <= v[0] + v[2]) & (wy >= v[1]) & (wy <= v[1] + v[3])
        elif kind == "line":
            dx, dy = v[2] - v[0], v[3] - v[1]
            length = dx * dx + dy * dy
            t = np.clip(((wx - v[0]) * dx + (wy - v[1]) * dy) / length, 0, 1) if length > 0 else 0
            mask = (wx - v[0] - t * dx) ** 2 + (wy - v[1] - t * dy) ** 2 <= (1.0 / scale) ** 2
        else:
            continue
        image[mask] = rgb
    return image
