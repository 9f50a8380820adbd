"""Training digits in the world's handwriting styles, made from stroke shapes at train time.

MNIST's writers were American; people elsewhere flag their 1s, cross their 7s, write 4
open in one stroke and hook the tails of their 9s.  Each style here is a small function
that draws one digit's strokes with random proportions (flag length, loop size, tail
curl, ...).  `style_digits` adds pen wobble, short hooks at stroke ends, sometimes a tablet's
sparse sampling (straight segments between pen positions, or a few points along the whole
path with the pen lifts joined), slant, rotation,
aspect and pen width, draws the digit on a page of random size, place and polarity, and
runs it through the same preprocessing as the window and `classify`, so training sees
what inference sees.  `written` draws a digit's strokes large with a form-filler's pen instead,
for model/data/scans.py to scan.  Every digit depends only on (seed, index).

These shapes are the *training* styles; the evaluation digits of benchmarks come from a
separate generator with other templates and seeds.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from PIL import Image, ImageDraw
from scipy import interpolate, ndimage

from model.data.digit_pages import numbered_digits, on_paper

Strokes = list[np.ndarray]  # each (N, 2): x right, y down, the digit about 1 high
Style = Callable[[np.random.Generator], Strokes]
_SUPERSAMPLE = 2


def _smooth(points: list[tuple[float, float]], n: int = 40) -> np.ndarray:
    """A smooth curve through the points (an interpolating spline)."""
    pts = np.asarray(points, dtype=float)
    keep = np.r_[True, np.linalg.norm(np.diff(pts, axis=0), axis=1) > 1e-6]
    pts = pts[keep]
    if len(pts) < 3:
        return pts
    tck, _ = interpolate.splprep(pts.T, s=0, k=min(3, len(pts) - 1))
    return np.stack(interpolate.splev(np.linspace(0, 1, n), tck), axis=1)


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, sweep: float, n: int = 40) -> np.ndarray:
    """Points on an ellipse from `start` degrees (0 right, 90 down) over `sweep` degrees."""
    a = np.radians(start + sweep * np.linspace(0, 1, n))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)


def _line(*points: tuple[float, float]) -> np.ndarray:
    return np.asarray(points, dtype=float)


def _join(*parts: np.ndarray) -> np.ndarray:
    return np.vstack(parts)


# ---- the styles: each returns the strokes of one digit --------------------------------------------

def _zero(r: np.random.Generator) -> Strokes:
    start = r.uniform(-130, -50)
    return [_arc(0.5, 0.5, r.uniform(0.2, 0.38), 0.5, start, -r.uniform(340, 385))]


def _zero_pointed(r: np.random.Generator) -> Strokes:
    w = r.uniform(0.2, 0.32)
    return [_smooth([(0.55, 0.0), (0.5 - w, 0.3), (0.52 - w, 0.75), (0.5, 1.0), (0.5 + w, 0.72),
                     (0.5 + w * 0.9, 0.25), (0.58, 0.0), (0.5, 0.03 + r.uniform(0, 0.08))])]


def _one(r: np.random.Generator, flag: bool, foot: bool, straight_flag: bool = False) -> Strokes:
    top, bottom = (0.5, 0.0), (0.5 + r.uniform(-0.06, 0.06), 1.0)
    strokes = [_line(top, bottom)]
    if flag:
        # Angle from straight down.  Short flags may be nearly level; a long one is steeper, since a long,
        # nearly level stroke at the top is a 7's bar (drawn as 1s, they taught the model that 7s are 1s).
        length = r.uniform(0.12, 0.7)
        angle = np.radians(r.uniform(25, 70 - 15 * np.clip((length - 0.25) / 0.35, 0, 1)))
        start = (0.5 - length * np.sin(angle), length * np.cos(angle))
        # A straight up-stroke meeting the stem at a sharp corner, or a slightly bowed one.
        up = _line(start, top) if straight_flag else _smooth(
            [start, ((start[0] + 0.5) / 2 + r.uniform(-0.03, 0.03), start[1] / 2 - r.uniform(0, 0.04)), top], 10)
        strokes = [_join(up, _line(bottom))]
    if foot:
        half = r.uniform(0.12, 0.32)
        strokes.append(_line((bottom[0] - half, 1.0), (bottom[0] + half * r.uniform(0.7, 1.2), 1.0)))
    return strokes


def _two(r: np.random.Generator, loop: bool) -> Strokes:
    w, neck = r.uniform(0.28, 0.4), r.uniform(0.3, 0.55)
    body = [(0.5 - w, r.uniform(0.15, 0.35)), (0.5 - w * 0.2, 0.0), (0.5 + w * 0.9, 0.12),
            (0.5 + w * 0.6, neck), (0.5 - w * 0.9, 0.97)]
    if loop:
        size = r.uniform(0.07, 0.15)
        body += [(0.5 - w * 0.95, 0.97 - 2 * size), (0.5 - w * 0.35, 0.97 - size), (0.5 - w * 0.45, 1.0)]
    base = (0.5 + w * r.uniform(0.8, 1.2), 1.0 + r.uniform(-0.05, 0.05))
    return [_join(_smooth(body), _line(base))]


def _two_angular(r: np.random.Generator) -> Strokes:
    w = r.uniform(0.28, 0.4)
    top = _smooth([(0.5 - w, r.uniform(0.1, 0.3)), (0.5 - w * 0.1, 0.0), (0.5 + w * 0.8, 0.05),
                   (0.5 + w, r.uniform(0.2, 0.3))], 20)
    return [_join(top, _line((0.5 - w, 1.0), (0.5 + w * r.uniform(0.8, 1.3), 1.0 + r.uniform(-0.05, 0.05))))]


def _three(r: np.random.Generator, flat: bool) -> Strokes:
    mid, w = r.uniform(0.4, 0.55), r.uniform(0.25, 0.35)
    if flat:
        top = _line((0.5 - w, 0.0), (0.5 + w, 0.0), (0.45, mid))
    else:
        top = _smooth([(0.5 - w, 0.12), (0.5, 0.0), (0.5 + w * 0.9, 0.15), (0.5 + w * 0.6, mid - 0.07), (0.42, mid)])
    low = _smooth([(0.42, mid), (0.5 + w, mid + 0.15), (0.5 + w * 1.05, 0.82), (0.5, 1.0), (0.5 - w, 0.86)])
    return [_join(top, low)]


def _four(r: np.random.Generator, kind: str) -> Strokes:
    bar, stem_x = r.uniform(0.55, 0.72), r.uniform(0.62, 0.72)
    right = (stem_x + r.uniform(0.08, 0.22), bar + r.uniform(-0.04, 0.04))
    left = (r.uniform(0.1, 0.25), bar)
    if kind == "closed":
        return [_line((stem_x - 0.03, 0.0), left, right), _line((stem_x - 0.03, 0.0), (stem_x, 1.0))]
    start = (left[0] + r.uniform(-0.05, 0.1), r.uniform(0.0, 0.1))
    if kind == "open":
        stem_top = r.uniform(0.0, 0.25)
        return [_line(start, left, right), _line((stem_x, stem_top), (stem_x + r.uniform(-0.04, 0.04), 1.0))]
    # One stroke: down, across, up the stem, and back down over it (an open top, like a tablet pen).
    corner = left if r.random() < 0.5 else None
    across = (stem_x, bar + r.uniform(-0.03, 0.03))
    down_left = _smooth([start, (left[0] + 0.02, bar - 0.12), (left[0] + 0.12, bar + 0.02), across], 20) \
        if corner is None else _line(start, left, across)
    up = _line((stem_x + r.uniform(-0.03, 0.02), r.uniform(0.0, 0.2)))
    return [_join(down_left, up, _line((stem_x + r.uniform(-0.03, 0.05), 1.0)))]


def _five(r: np.random.Generator, one_stroke: bool) -> Strokes:
    w, waist = r.uniform(0.25, 0.35), r.uniform(0.35, 0.5)
    corner = (0.5 - w * 0.8, 0.0)
    belly = _smooth([(0.5 - w * 0.9, waist), (0.5 + w * 0.3, waist - 0.07), (0.5 + w, 0.68),
                     (0.5 + w * 0.6, 0.95), (0.45, 1.0), (0.5 - w, 0.88)])
    bar = _line((0.5 + w * r.uniform(0.6, 1.1), r.uniform(-0.04, 0.04)), corner)
    if one_stroke:
        return [_join(bar, belly)]
    return [_join(_line(corner), belly), bar[::-1]]


def _six(r: np.random.Generator, straight: bool) -> Strokes:
    loop_top, w = r.uniform(0.4, 0.6), r.uniform(0.22, 0.32)
    back = [(0.5 + w * 0.8, 0.0), (0.5 - w * 0.5, loop_top - 0.2)] if straight else \
           [(0.5 + w, 0.05), (0.5, 0.05), (0.5 - w * 0.9, 0.4)]
    return [_smooth(back + [(0.5 - w, 0.8), (0.5, 1.0), (0.5 + w, 0.8), (0.5 + w * 0.2, loop_top),
                            (0.5 - w * 0.8, 0.7 + r.uniform(0, 0.1))], 50)]


def _seven(r: np.random.Generator, crossed: bool) -> Strokes:
    w = r.uniform(0.28, 0.38)
    top_left, top_right = (0.5 - w, r.uniform(-0.02, 0.05)), (0.5 + w, 0.0)
    # An upright writer's 7 (the warp adds slant): the stem leaves the bar at 55 degrees or more, as no
    # long flag of a 1 does, so 7s do not teach the model that flagged 1s are 7s.
    foot = (top_right[0] - r.uniform(0.15, 0.5), 1.0)
    head = _line((0.5 - w - r.uniform(0, 0.04), r.uniform(0.08, 0.2)), top_left) if r.random() < 0.35 else _line(top_left)
    bend = r.uniform(-0.04, 0.08)
    stem = _smooth([top_right, ((top_right[0] + foot[0]) / 2 + bend, 0.5), foot], 20)
    strokes = [_join(head, stem)]
    if crossed:
        y = r.uniform(0.42, 0.6)
        x = top_right[0] + (foot[0] - top_right[0]) * y
        strokes.append(_line((x - r.uniform(0.12, 0.25), y + r.uniform(-0.03, 0.03)),
                             (x + r.uniform(0.12, 0.25), y + r.uniform(-0.03, 0.03))))
    return strokes


def _eight(r: np.random.Generator, loops: bool) -> Strokes:
    waist, wt, wb = r.uniform(0.42, 0.52), r.uniform(0.16, 0.26), r.uniform(0.2, 0.3)
    if loops:
        return [_arc(0.5, waist / 2, wt, waist / 2, r.uniform(0, 360), 360),
                _arc(0.5, (1 + waist) / 2, wb, (1 - waist) / 2, r.uniform(0, 360), 360)]
    return [_smooth([(0.5 + wt, 0.1), (0.5, 0.0), (0.5 - wt, 0.14), (0.5, waist), (0.5 + wb, 0.72),
                     (0.5, 1.0), (0.5 - wb, 0.75), (0.5, waist), (0.5 + wt * 0.9, 0.2), (0.52, 0.0)], 60)]


def _nine(r: np.random.Generator, tail: str) -> Strokes:
    ry, rx = r.uniform(0.18, 0.26), r.uniform(0.18, 0.28)
    cx, cy = 0.5, ry
    start = r.uniform(-20, 20)
    loop = _arc(cx, cy, rx, ry, start, -r.uniform(330, 375))  # anticlockwise from the right side
    joint = (cx + rx, cy)
    if tail == "straight":
        end = _line((cx + rx + r.uniform(-0.12, 0.03), 1.0))
    elif tail == "curved":
        end = _smooth([joint, (cx + rx, 0.7), (cx + rx * 0.3, 0.97), (cx - rx * r.uniform(0.3, 1.0), 0.9)])
    else:  # hooked: the tail swings left and back up, like a "g"
        curl = r.uniform(0.1, 0.25)
        end = _smooth([joint, (cx + rx * 0.9, 0.75), (cx + 0.05, 1.0), (cx - rx, 1.0 - curl * 0.5),
                       (cx - rx * 0.8, 1.0 - curl)])
    return [_join(loop, _line(joint), end)]


STYLES: dict[int, dict[str, Style]] = {
    0: {"oval": _zero, "pointed": _zero_pointed},
    1: {"stick": lambda r: _one(r, False, False), "flag": lambda r: _one(r, True, False),
        "straight-flag": lambda r: _one(r, True, False, straight_flag=True),
        "flag-foot": lambda r: _one(r, True, True)},
    2: {"plain": lambda r: _two(r, False), "loop": lambda r: _two(r, True), "angular": _two_angular},
    3: {"round": lambda r: _three(r, False), "flat-top": lambda r: _three(r, True)},
    4: {"closed": lambda r: _four(r, "closed"), "open": lambda r: _four(r, "open"),
        "one-stroke": lambda r: _four(r, "one-stroke")},
    5: {"one-stroke": lambda r: _five(r, True), "two-strokes": lambda r: _five(r, False)},
    6: {"curved": lambda r: _six(r, False), "straight": lambda r: _six(r, True)},
    7: {"plain": lambda r: _seven(r, False), "crossed": lambda r: _seven(r, True)},
    8: {"one-stroke": lambda r: _eight(r, False), "two-loops": lambda r: _eight(r, True)},
    9: {"straight": lambda r: _nine(r, "straight"), "curved": lambda r: _nine(r, "curved"),
        "hooked": lambda r: _nine(r, "hooked")},
}


# ---- the pen: wobble, end hooks, slant, size, width, page -----------------------------------------

def _arc_lengths(path: np.ndarray) -> np.ndarray:
    """How far along the path each of its points lies."""
    return np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))]


def _along(path: np.ndarray, dist: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The path's points at the lengths `at` along it (`dist`: its `_arc_lengths`), joined by straight lines."""
    return np.stack([np.interp(at, dist, path[:, 0]), np.interp(at, dist, path[:, 1])], axis=1)


def _resample(path: np.ndarray, step: float = 0.02) -> np.ndarray:
    """The path with points about `step` apart, so wobble and width act evenly along it."""
    dist = _arc_lengths(path)
    if dist[-1] <= 0:
        return path[:1]
    return _along(path, dist, np.linspace(0.0, dist[-1], max(2, int(dist[-1] / step) + 1)))


def pen_samples(path: np.ndarray, step: float) -> np.ndarray:
    """The pen's positions every `step` along the path and wherever it turns sharply, joined by straight lines: what a
    tablet sampling in time records (the pen slows down to turn, so corners are kept however sparse the samples)."""
    heading = np.arctan2(*np.diff(path, axis=0).T[::-1])
    turn = np.abs(np.angle(np.exp(1j * np.diff(heading))))
    dist = _arc_lengths(path)
    at = np.union1d(np.linspace(0.0, dist[-1], max(2, int(round(dist[-1] / step)) + 1)),
                    dist[1:-1][turn > np.radians(30)])
    return _along(path, dist, at)


def evenly(strokes: Strokes, count: int) -> np.ndarray:
    """The strokes joined in writing order (pen lifts become straight lines) and `count` points evenly spaced along
    the whole path, joined by straight lines: what a tablet set that keeps a few points a digit records."""
    path = np.vstack(strokes)
    dist = _arc_lengths(path)
    return _along(path, dist, np.linspace(0.0, dist[-1], count))


def _wobble(path: np.ndarray, r: np.random.Generator) -> np.ndarray:
    """Smooth random sideways drift of the pen along the path."""
    amount = r.uniform(0.0, 0.035)
    noise = ndimage.gaussian_filter1d(r.normal(0.0, 1.0, path.shape), sigma=r.uniform(2, 6), axis=0, mode="nearest")
    return path + amount * noise / max(float(noise.std()), 1e-6)


def _end_hook(path: np.ndarray, r: np.random.Generator, at_start: bool) -> np.ndarray:
    """A short curl at one end of the stroke, as pens and mice leave when they land or lift."""
    p = path[::-1] if at_start else path
    direction = p[-1] - p[max(0, len(p) - 4)]
    direction = direction / max(float(np.linalg.norm(direction)), 1e-6)
    angle = np.radians(r.choice([-1, 1]) * r.uniform(90, 160))
    turned = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ direction
    length = r.uniform(0.03, 0.12)
    hook = p[-1] + np.outer(np.linspace(0.2, 1.0, 4), turned * length) + np.outer(np.linspace(0.2, 1.0, 4) ** 2,
                                                                                direction * length * 0.3)
    p = np.vstack([p, hook])
    return p[::-1] if at_start else p


MIN_FLAG_RISE = 20.0
"""Degrees a flagged 1's flag rises above the horizontal at least, once slanted and rotated.  A flatter flag is a
7's bar: people read such a 1 as a 7, and trained on 5% of 1s like that, the model read short-barred 7s as 1s."""


def _strokes(label: int, style: str, r: np.random.Generator) -> Strokes:
    template = STYLES[label][style](r)
    strokes = [_wobble(_resample(s), r) for s in template]
    for i, s in enumerate(strokes):
        for at_start in (True, False):
            if r.random() < 0.25:
                strokes[i] = s = _end_hook(s, r, at_start)
    if r.random() < 0.3:  # a tablet sampling the pen every 100 ms or so: straight segments between sparse points
        step = r.uniform(0.06, 0.25)
        strokes = [pen_samples(s, step) for s in strokes]
    elif r.random() < 0.2:  # a tablet set that keeps 7-12 points a digit and no pen lifts (like UCI's pendigits)
        strokes = [evenly(strokes, int(r.integers(7, 13)))]
    warp = _slant(template, label, style, r)
    return [s @ warp.T for s in strokes]


def _slant(template: Strokes, label: int, style: str, r: np.random.Generator) -> np.ndarray:
    """A random aspect, slant and rotation (a 2x2 matrix acting on (x, y) columns); for a flagged 1, one that keeps
    its flag `MIN_FLAG_RISE` degrees above the horizontal."""
    flag = template[0][[0, np.argmin(template[0][:, 1])]]  # a flagged 1's flag: its end, then the top
    while True:
        aspect = np.exp(r.uniform(np.log(0.65), np.log(1.3)))
        shear, angle = r.uniform(-0.4, 0.3), np.radians(r.uniform(-18, 18))
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        warp = rot @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([aspect, 1.0])
        if label != 1 or style == "stick" or flag_rise(flag @ warp.T) >= MIN_FLAG_RISE:
            return warp


def flag_rise(flag: np.ndarray) -> float:
    """Degrees a flag rises above the horizontal from its end `flag[0]` to the top `flag[1]` (y grows downwards)."""
    (x0, y0), (x1, y1) = flag
    return float(np.degrees(np.arctan2(y0 - y1, x1 - x0)))


def draw_page(strokes: Strokes, r: np.random.Generator) -> np.ndarray:
    """The strokes drawn with a round pen on a page of random size, place and polarity (uint8)."""
    points = np.vstack(strokes)
    low, size = points.min(axis=0), np.maximum(np.ptp(points, axis=0), 1e-3)
    height = r.uniform(24, 300)
    pen = max(1.0, height * np.exp(r.uniform(np.log(0.02), np.log(0.18))))
    scale = height / size[1]
    box = size[::-1] * scale + pen + 2  # (h, w) in pixels
    page = np.maximum((box * r.uniform(1.0, 1.8, 2)).astype(int) + 2, 24)  # a thin 1 still gets a page 24 px wide
    origin = r.uniform(0, page - box) + pen / 2 + 1  # (row, col) of the digit's top-left
    return on_paper(_coverage(strokes, page, (low, scale, origin), pen), r, noise=6)


def written(strokes: Strokes, r: np.random.Generator, pens: tuple[float, float] = (0.07, 0.2)) -> np.ndarray:
    """The strokes written 60-140 px tall with a pen `pens` of the height wide, in their ink box with a small margin
    (uint8, 255 = ink): a digit as filled into a form, before it is scanned."""
    points = np.vstack(strokes)
    low, size = points.min(axis=0), np.maximum(np.ptp(points, axis=0), 1e-3)
    height = r.uniform(60, 140)
    pen = height * r.uniform(*pens)
    scale = height / size[1]
    box = (size[::-1] * scale + pen + 4).astype(int) + 1
    return np.round(_coverage(strokes, box, (low, scale, np.full(2, pen / 2 + 2)), pen) * 255).astype(np.uint8)


def _coverage(strokes: Strokes, shape: np.ndarray, place: tuple[np.ndarray, float, np.ndarray], pen: float
              ) -> np.ndarray:
    """Ink coverage (0..1) of a `shape` (rows, cols) image with the strokes drawn by a round pen `pen` px wide;
    `place` = (the strokes' lowest x and y, pixels per unit, (row, col) where that corner lands)."""
    low, scale, origin = place
    s = _SUPERSAMPLE
    ink = Image.new("L", (int(shape[1]) * s, int(shape[0]) * s), 0)
    draw = ImageDraw.Draw(ink)
    width, radius = max(1, round(pen * s)), pen * s / 2
    for stroke in strokes:
        xy = ((stroke - low) * scale + origin[::-1]) * s
        draw.line([tuple(p) for p in xy], fill=255, width=width, joint="curve")
        for x, y in xy[[0, -1]]:
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    return np.asarray(ink.resize((int(shape[1]), int(shape[0])), Image.Resampling.BOX), dtype=np.float32) / 255


def style_names() -> list[tuple[int, str]]:
    """Every (digit, style) the generator draws."""
    return [(label, style) for label in sorted(STYLES) for style in STYLES[label]]


def style_page(index: int, seed: int) -> tuple[np.ndarray, int, str]:
    """Page number `index` of the set made with `seed`: the image, its label (index % 10) and style."""
    r = np.random.default_rng([seed, index, 7])
    strokes, label, style = digit_strokes(index, r)
    return draw_page(strokes, r), label, style


def digit_strokes(index: int, r: np.random.Generator) -> tuple[Strokes, int, str]:
    """Digit number `index` of a set: the strokes of one of its label's (index % 10) styles, the label and style."""
    label = index % 10
    styles = list(STYLES[label])
    style = styles[int(r.integers(len(styles)))]
    return _strokes(label, style, r), label, style


def _style_image(index: int, seed: int) -> np.ndarray:
    return style_page(index, seed)[0]


def style_digits(n: int, seed: int = 0, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """`n` style digits preprocessed to MNIST's 28x28 uint8 (255 = ink) and their labels 0..9."""
    return numbered_digits(_style_image, n, seed, workers)
