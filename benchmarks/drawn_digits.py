"""Labelled images of digits drawn by "writers" who are not in MNIST, for an honest check.

Two families, both deterministic given a seed:

* `stroke_digits`: digits written with a pen along hand-made stroke templates (several
  styles per digit), jittered, slanted, rotated and stretched, rendered anti-aliased with
  round joins at any pen width, size and position on pages of any size and either polarity.
* `redrawn_mnist`: MNIST *test* digits traced to their centre line (or outline) and redrawn
  with a thinner or thicker pen, likewise placed on big pages of either polarity.
* `scanned_mnist`: MNIST *test* digits as old digit-form scans kept them: 16x16 or 32x32 black
  and white, in proportion or stretched to fill the box, enlarged blockily onto big pages.

Images are 2-D uint8 arrays (0 black .. 255 white).  Each comes with a `DrawnInfo` saying
how it was drawn, so accuracy can be broken down by pen and polarity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from benchmarks.drawn_templates import TEMPLATES, Template

PEN_BUCKETS = ((0.0, 0.03, "hairline"), (0.03, 0.06, "thin"), (0.06, 0.10, "medium"), (0.10, 1.0, "thick"))
_SUPERSAMPLE = 4
_MAX_RENDER = 1200  # longest side, in pixels, of a supersampled rendering


@dataclass(frozen=True)
class DrawnInfo:
    """How one image was drawn."""

    label: int
    style: str  # template name, or "mnist-skeleton" / "mnist-outline"
    pen: float  # pen width as a share of the digit's height
    dark_ink: bool  # True: dark ink on light paper
    page: tuple[int, int]  # (height, width) in pixels
    digit_height: float  # in pixels

    @property
    def pen_bucket(self) -> str:
        return pen_bucket(self.pen)

    @property
    def polarity(self) -> str:
        return "dark-on-light" if self.dark_ink else "light-on-dark"


def pen_bucket(pen: float) -> str:
    """Name of the pen-width bucket ("hairline" .. "thick") for a pen width relative to digit height."""
    for low, high, name in PEN_BUCKETS:
        if low <= pen < high:
            return name
    return PEN_BUCKETS[-1][2]


def _catmull_rom(points: np.ndarray, per_segment: int = 12) -> np.ndarray:
    """A smooth curve through `points` (N, 2)."""
    if len(points) < 3:
        return points
    padded = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    t = np.linspace(0.0, 1.0, per_segment, endpoint=False)[:, None]
    out = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1:i + 3]
        out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                          + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3))
    out.append(points[-1:])
    return np.vstack(out)


def _stroke_paths(template: Template, rng: np.random.Generator, jitter: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each stroke as (dense polyline, its corner points), with control points jittered.

    A point shared by two pieces (or two strokes) is jittered once, so joins stay joined.
    """
    moved: dict[tuple[float, float], np.ndarray] = {}

    def jittered(point: tuple[float, float]) -> np.ndarray:
        key = (round(point[0], 4), round(point[1], 4))
        if key not in moved:
            moved[key] = np.asarray(point, dtype=float) + rng.normal(0.0, jitter, 2)
        return moved[key]

    paths = []
    for stroke in template:
        parts, corners = [], []
        for kind, points in stroke:
            pts = np.array([jittered(p) for p in points])
            parts.append(_catmull_rom(pts) if kind == "c" else pts)
            corners += [pts[0], pts[-1]] if kind == "c" else list(pts)
        paths.append((np.vstack(parts), np.array(corners)))
    return paths


def _affine(rng: np.random.Generator) -> np.ndarray:
    """A random 2x2 map: aspect, slant (shear) and rotation of up to 15 degrees."""
    aspect = np.exp(rng.uniform(np.log(0.7), np.log(1.35)))
    shear = rng.uniform(-0.35, 0.25)  # x shift per unit of height; negative leans right (y is down)
    angle = np.radians(rng.uniform(-15.0, 15.0))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return rot @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([aspect, 1.0])


def _page(rng: np.random.Generator, min_side: int, max_side: int) -> tuple[int, int]:
    side = np.exp(rng.uniform(np.log(min_side), np.log(max_side)))
    ratio = np.exp(rng.uniform(np.log(0.75), np.log(1.33)))
    height, width = (int(np.clip(round(side * f), min_side, max_side)) for f in (np.sqrt(ratio), 1 / np.sqrt(ratio)))
    return height, width


def _paper_and_ink(rng: np.random.Generator, ink: np.ndarray) -> tuple[np.ndarray, bool]:
    """Compose ink coverage (0..1) onto paper: random polarity, grey levels, noise, sometimes blur."""
    dark_ink = bool(rng.random() < 0.5)
    if dark_ink:
        paper, pen = rng.uniform(175, 255), rng.uniform(0, 90)
    else:
        paper, pen = rng.uniform(0, 70), rng.uniform(170, 255)
    if rng.random() < 0.3:
        ink = ndimage.gaussian_filter(ink, rng.uniform(0.4, 1.2))
    grey = paper + (pen - paper) * ink
    grey = grey + rng.normal(0.0, rng.uniform(0.0, 8.0), grey.shape)
    return np.clip(np.round(grey), 0, 255).astype(np.uint8), dark_ink


def _place(rng: np.random.Generator, page: tuple[int, int], box: tuple[float, float]) -> tuple[float, float]:
    """Top-left corner for a (height, width) box somewhere inside the page."""
    return rng.uniform(0, max(0.0, page[0] - box[0])), rng.uniform(0, max(0.0, page[1] - box[1]))


def _curl(line: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The line with a small arc added at its end, turning left or right, as a pen does when it lifts."""
    heading = line[-1] - line[max(0, len(line) - 3)]
    start = np.arctan2(heading[1], heading[0])
    turn = rng.choice([-1.0, 1.0]) * np.radians(rng.uniform(120, 200))
    radius = rng.uniform(0.025, 0.06)
    angles = start + np.linspace(0, turn, 8)
    steps = radius * abs(turn) / 7 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return np.vstack([line, line[-1] + np.cumsum(steps[1:], axis=0)])


MIN_FLAG_RISE = 25.0
"""Degrees a flagged 1's flag rises above the horizontal at least, after the warp.  A flatter flag is a 7's bar
(the 7s of these templates, warped the same way, have bars rising up to 25 degrees, 99.9% of them under 21), and
with a 7's angle between bar and stem such a 1 is a short-barred 7 in shape: a warp that makes one is drawn again."""


def flag_rise(corners: np.ndarray) -> float:
    """How steeply a flagged 1's flag (its first two corners: flag's end, then the top) rises, in degrees."""
    (x0, y0), (x1, y1) = corners[0], corners[1]
    return float(np.degrees(np.arctan2(y0 - y1, x1 - x0)))  # y grows downwards


def template_paths(label: int, style: str, rng: np.random.Generator, end_hooks: bool = False
                   ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each stroke of template `style` of `label` as (dense polyline, corner points), jittered and warped.

    With `end_hooks`, each stroke end gets a small curl with probability one half.  A flagged 1 keeps its flag
    at least `MIN_FLAG_RISE` degrees above the horizontal.
    """
    while True:
        paths = _stroke_paths(TEMPLATES[label][style], rng, jitter=rng.uniform(0.008, 0.025))
        warp = _affine(rng)
        paths = [(line @ warp.T, corners @ warp.T) for line, corners in paths]
        if not (label == 1 and "flag" in style) or flag_rise(paths[0][1]) >= MIN_FLAG_RISE:
            break
    if end_hooks:
        for i, (line, corners) in enumerate(paths):
            if rng.random() < 0.5:
                line = _curl(line, rng)
            if rng.random() < 0.5:
                line = _curl(line[::-1], rng)[::-1]
            paths[i] = (line, np.vstack([corners, line[[0, -1]]]))
    return paths


def render_stroke_digit(label: int, style: str, rng: np.random.Generator,
                        page_sides: tuple[int, int] = (64, 600), end_hooks: bool = False) -> tuple[np.ndarray, DrawnInfo]:
    """One digit written along template `style` of `label`, on a random page (see `template_paths`)."""
    paths = template_paths(label, style, rng, end_hooks)
    everything = np.vstack([line for line, _ in paths])
    low, high = everything.min(axis=0), everything.max(axis=0)
    size = np.maximum(high - low, 1e-3)  # (width, height) in template units

    page = _page(rng, *page_sides)
    pen_share = float(np.exp(rng.uniform(np.log(0.01), np.log(0.15))))
    height = rng.uniform(0.2, 0.9) * page[0]
    pen_px = max(1.0, pen_share * height)
    fit = min(height / size[1], (page[1] - pen_px - 2) / size[0], (page[0] - pen_px - 2) / size[1])
    height = size[1] * fit
    pen_share = pen_px / height
    box = (size[1] * fit + pen_px, size[0] * fit + pen_px)  # (h, w) with the pen's margin
    top, left = _place(rng, page, box)

    # Render only the digit's own box, supersampled, then lay it on the page.
    sub_h, sub_w = int(np.ceil(box[0])) + 3, int(np.ceil(box[1])) + 3
    factor = max(1, min(_SUPERSAMPLE, int(_MAX_RENDER // max(sub_h, sub_w))))
    canvas = Image.new("L", (sub_w * factor, sub_h * factor), 0)
    draw = ImageDraw.Draw(canvas)
    offset = np.array([pen_px / 2 + 1.0 + left % 1, pen_px / 2 + 1.0 + top % 1])
    width = max(1, int(round(pen_px * factor)))
    radius = width / 2.0
    for line, corners in paths:
        pts = ((line - low) * fit + offset) * factor
        draw.line([tuple(p) for p in pts], fill=255, width=width, joint="curve")
        for x, y in ((corners - low) * fit + offset) * factor:
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    sub = canvas.resize((sub_w, sub_h), Image.Resampling.LANCZOS) if factor > 1 else canvas
    ink = np.zeros(page, dtype=np.float32)
    r0, c0 = int(top), int(left)
    piece = np.asarray(sub, dtype=np.float32)[:page[0] - r0, :page[1] - c0] / 255.0
    ink[r0:r0 + piece.shape[0], c0:c0 + piece.shape[1]] = piece
    image, dark = _paper_and_ink(rng, np.clip(ink, 0.0, 1.0))
    return image, DrawnInfo(label, style, pen_share, dark, page, float(height))


def _sparse(line: np.ndarray, corners: np.ndarray, step: float) -> np.ndarray:
    """The pen's positions along `line` every `step` of its length, as a tablet sampling in time records them, plus
    its corners: the pen slows down to turn, so a corner is recorded however sparse the samples are."""
    dist = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(line, axis=0), axis=1))]
    at_corners = dist[np.argmin(np.linalg.norm(line[:, None] - corners[None], axis=2), axis=0)]
    at = np.union1d(np.linspace(0.0, dist[-1], max(2, int(round(dist[-1] / step)) + 1)), at_corners)
    return np.stack([np.interp(at, dist, line[:, 0]), np.interp(at, dist, line[:, 1])], axis=1)


def _pen_on_canvas(paths: list[tuple[np.ndarray, np.ndarray]], rng: np.random.Generator, side: int,
                   step: float | None, pens: tuple[float, float] = (0.02, 0.2)) -> np.ndarray:
    """The paths drawn light on a black `side` x `side` canvas at a random size (0.25-0.85 of it), place and pen width
    (`pens`: shares of the digit's height): as a tablet records them (`_sparse`, `step` a share of the height) or
    whole."""
    everything = np.vstack([line for line, _ in paths])
    low, size = everything.min(axis=0), np.maximum(np.ptp(everything, axis=0), 1e-3)
    gap = None if step is None else step * size[1]
    height = rng.uniform(0.25, 0.85) * side
    pen = max(2.0, height * rng.uniform(*pens))
    fit = min(height / size[1], (side - pen - 2) / size[0], (side - pen - 2) / size[1])
    corner = rng.uniform(pen / 2 + 1, np.maximum(pen / 2 + 1, side - pen / 2 - 1 - size * fit))
    canvas = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(canvas)
    for line, corners in paths:
        xy = ((line if gap is None else _sparse(line, corners, gap)) - low) * fit + corner
        draw.line([tuple(p) for p in xy], fill=255, width=int(round(pen)), joint="curve")
        for x, y in xy[[0, -1]]:
            draw.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=255)
    return np.asarray(canvas)


def tablet_digit(label: int, style: str, rng: np.random.Generator, side: int = 280) -> np.ndarray:
    """Template `style` of `label` as a pen tablet records it (positions 0.03-0.3 of the digit's height apart and at
    its corners, joined by straight lines), drawn on a `side` x `side` canvas image at a random size, place and pen width, either polarity."""
    paths = template_paths(label, style, rng, end_hooks=bool(rng.random() < 0.5))
    ink = _pen_on_canvas(paths, rng, side, step=rng.uniform(0.03, 0.3))
    return ink if rng.random() < 0.5 else 255 - ink


PENDIGITS_POINTS = 8  # UCI's pendigits keeps 8 points a digit (16 numbers)


def evenly_joined(paths: list[tuple[np.ndarray, np.ndarray]], count: int = PENDIGITS_POINTS) -> np.ndarray:
    """The strokes joined in writing order (a pen lift becomes a straight line) and `count` points evenly spaced
    along the whole path: how UCI's pendigits keeps a digit."""
    line = np.vstack([line for line, _ in paths])
    dist = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(line, axis=0), axis=1))]
    at = np.linspace(0.0, dist[-1], count)
    return np.stack([np.interp(at, dist, line[:, 0]), np.interp(at, dist, line[:, 1])], axis=1)


def joined_tablet_digit(label: int, style: str, rng: np.random.Generator, side: int = 280) -> np.ndarray:
    """Template `style` of `label` kept as pendigits keeps a digit (`evenly_joined`: 8 points, pen lifts joined) and
    drawn through them with straight lines on a `side` x `side` canvas image, as `tablet_digit` draws."""
    points = evenly_joined(template_paths(label, style, rng, end_hooks=bool(rng.random() < 0.5)))
    ink = _pen_on_canvas([(points, points)], rng, side, step=None)
    return ink if rng.random() < 0.5 else 255 - ink


def scanned_style_digit(label: int, style: str, rng: np.random.Generator,
                        page_sides: tuple[int, int] = (64, 600)) -> np.ndarray:
    """Template `style` of `label` written with a pen and scanned as a digit form reader did (`scan_ink`).  The pen
    is 7-20% of the digit's height, at least a pixel of a 16 px box: a thinner one breaks into dots at half a pixel's
    ink, which no form reader kept (their sets show whole strokes)."""
    paths = template_paths(label, style, rng, end_hooks=bool(rng.random() < 0.5))
    return scan_ink(_pen_on_canvas(paths, rng, 112, step=None, pens=(0.07, 0.2)), label, style, rng, page_sides)[0]


def stroke_digit(index: int, seed: int = 0, page_sides: tuple[int, int] = (64, 600),
                 end_hooks: bool = False) -> tuple[np.ndarray, DrawnInfo]:
    """Stroke-rendered digit number `index` of the set made with `seed` (label `index % 10`)."""
    rng = np.random.default_rng([seed, index])
    label = index % 10
    styles = sorted(TEMPLATES[label])
    return render_stroke_digit(label, styles[int(rng.integers(len(styles)))], rng, page_sides, end_hooks)


def stroke_digits(n: int, seed: int = 0, page_sides: tuple[int, int] = (64, 600), start: int = 0
                  ) -> tuple[list[np.ndarray], np.ndarray, list[DrawnInfo]]:
    """Digits `start` .. `start + n` of the stroke-rendered set made with `seed`: images, labels, infos.

    Labels cycle 0..9 and each digit's style is drawn at random.  Every image depends only on
    (seed, its index), so any slice of the set can be made on its own.
    """
    made = [stroke_digit(i, seed, page_sides) for i in range(start, start + n)]
    return _unzip(made)


def _unzip(made: list[tuple[np.ndarray, DrawnInfo]]) -> tuple[list[np.ndarray], np.ndarray, list[DrawnInfo]]:
    infos = [info for _, info in made]
    return [image for image, _ in made], np.array([info.label for info in infos], dtype=np.int64), infos


def thin(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a boolean mask to a one-pixel-wide skeleton."""
    skeleton = np.pad(mask.astype(bool), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = skeleton
            n = [np.roll(p, shift, axis=(0, 1)) for shift in
                 ((1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1))]
            # n[0] = north (P2), clockwise to n[7] = north-west (P9).
            count = sum(x.astype(np.uint8) for x in n)
            transitions = sum((~n[i] & n[(i + 1) % 8]).astype(np.uint8) for i in range(8))
            if step == 0:
                cond = ~(n[0] & n[2] & n[4]) & ~(n[2] & n[4] & n[6])
            else:
                cond = ~(n[0] & n[2] & n[6]) & ~(n[0] & n[4] & n[6])
            remove = p & (count >= 2) & (count <= 6) & (transitions == 1) & cond
            if remove.any():
                skeleton = p & ~remove
                changed = True
        if not changed:
            return skeleton[1:-1, 1:-1]


def _mnist_shape(digit: np.ndarray, up: int) -> np.ndarray:
    """A 28x28 MNIST digit as a smooth binary shape `up` times bigger, cropped to its ink."""
    big = Image.fromarray(digit.astype(np.float32) / 255.0, mode="F")
    big = big.resize((28 * up, 28 * up), Image.Resampling.BICUBIC)
    smooth = ndimage.gaussian_filter(np.asarray(big), up * 0.35)
    shape = smooth > 0.25 * smooth.max()  # low enough to keep faint strokes joined
    rows, cols = np.flatnonzero(shape.any(axis=1)), np.flatnonzero(shape.any(axis=0))
    return shape[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def redraw_mnist_digit(digit: np.ndarray, label: int, rng: np.random.Generator,
                       page_sides: tuple[int, int] = (64, 600), up: int = 8) -> tuple[np.ndarray, DrawnInfo]:
    """One MNIST digit traced (centre line or outline), redrawn with a new pen on a random page."""
    shape = _mnist_shape(digit, up)
    shape = np.pad(shape, up * 4)
    digit_h = float(shape.shape[0] - 8 * up)  # height of the original ink, hi-res pixels
    mode = "mnist-skeleton" if rng.random() < 0.65 else "mnist-outline"
    if mode == "mnist-skeleton":
        pen_share = float(np.exp(rng.uniform(np.log(0.01), np.log(0.15))))
        distance = ndimage.distance_transform_edt(~thin(shape))
        radius = pen_share * digit_h / 2
    else:  # the original outline, a little eroded or grown by a felt-tip pen
        # The drawn width: MNIST's own (twice area over outline) plus twice the growth,
        # kept to a felt-tip's 20% of the height so the digit stays legible.
        own = 2.0 * shape.sum() / max(1, (shape & ~ndimage.binary_erosion(shape)).sum())
        grow = min(rng.uniform(-0.025, 0.04) * digit_h, max(0.0, (0.2 * digit_h - own) / 2))
        distance = ndimage.distance_transform_edt(~shape) - ndimage.distance_transform_edt(shape)
        radius = grow
        pen_share = float((own + 2 * grow) / digit_h)

    page = _page(rng, *page_sides)
    height = rng.uniform(0.2, 0.9) * page[0]
    scale = min(height / digit_h, (page[1] - 2) / shape.shape[1], (page[0] - 2) / shape.shape[0])
    if mode == "mnist-skeleton" and pen_share * digit_h * scale < 1.0:  # no pen draws under a pixel
        radius = 0.5 / scale
        pen_share = 1.0 / (digit_h * scale)
    out_h, out_w = max(1, round(shape.shape[0] * scale)), max(1, round(shape.shape[1] * scale))
    if scale < 1.0:  # draw at high resolution, then shrink with area averaging
        hi = np.clip(radius + 0.5 - distance, 0.0, 1.0).astype(np.float32)
        ink = np.asarray(Image.fromarray(hi, mode="F").resize((out_w, out_h), Image.Resampling.BOX))
    else:  # enlarge the distance field, then draw with a crisp anti-aliased edge
        field = np.asarray(Image.fromarray(distance.astype(np.float32), mode="F")
                           .resize((out_w, out_h), Image.Resampling.BILINEAR)) * scale
        ink = np.clip(radius * scale + 0.5 - field, 0.0, 1.0)
    crop = (out_h - 8 * up * scale, out_w - 8 * up * scale)
    top, left = _place(rng, page, crop)
    r0, c0 = int(top - 4 * up * scale), int(left - 4 * up * scale)
    canvas = np.zeros(page, dtype=np.float32)
    rs, cs = max(0, r0), max(0, c0)
    re, ce = min(page[0], r0 + out_h), min(page[1], c0 + out_w)
    canvas[rs:re, cs:ce] = ink[rs - r0:re - r0, cs - c0:ce - c0]
    image, dark = _paper_and_ink(rng, np.clip(canvas, 0.0, 1.0))
    return image, DrawnInfo(int(label), mode, pen_share, dark, page, digit_h * scale)


def redrawn_mnist(x_test: np.ndarray, y_test: np.ndarray, n: int, seed: int = 0,
                  page_sides: tuple[int, int] = (64, 600), start: int = 0
                  ) -> tuple[list[np.ndarray], np.ndarray, list[DrawnInfo]]:
    """Digits `start` .. `start + n` of a set of redrawn MNIST test digits: images, labels, infos.

    The set walks a `seed`-shuffled order of the digits given.  Pass MNIST's *test* split
    only: the training digits are what the model learnt from.
    """
    order = np.random.default_rng(seed).permutation(len(x_test))
    made = []
    for i in range(start, start + n):
        index = order[i % len(order)]
        made.append(redraw_mnist_digit(x_test[index], int(y_test[index]), np.random.default_rng([seed, i]), page_sides))
    return _unzip(made)


SCAN_KINDS = ("scan16-fit", "scan16-stretch", "scan32-fit", "scan32-stretch")


def scan_ink(ink: np.ndarray, label: int, source: str, rng: np.random.Generator,
             page_sides: tuple[int, int] = (64, 600)) -> tuple[np.ndarray, DrawnInfo]:
    """Light ink on a clean black image scanned as a digit form reader did: its ink box resized (Lanczos) into a
    16x16 or 32x32 box, kept in proportion or stretched to fill it, thresholded at half, enlarged pixel by pixel onto
    a page.  The info's style is `source` and the kind of scan ("mnist-scan16-fit")."""
    kind = SCAN_KINDS[int(rng.integers(len(SCAN_KINDS)))]
    side = int(kind[4:6])
    rows, cols = np.flatnonzero(ink.max(axis=1)), np.flatnonzero(ink.max(axis=0))
    box_ink = Image.fromarray(ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
    fit = side / max(box_ink.size)
    size = (side, side) if kind.endswith("stretch") else (max(1, round(box_ink.width * fit)),
                                                           max(1, round(box_ink.height * fit)))
    box = np.zeros((side, side), dtype=np.float32)
    top, left = (side - size[1]) // 2, (side - size[0]) // 2
    box[top:top + size[1], left:left + size[0]] = np.asarray(box_ink.resize(size, Image.Resampling.LANCZOS)) >= 128
    page = _page(rng, *page_sides)
    cell = max(1, int(min(page) * rng.uniform(0.2, 0.9) / side))
    blocky = np.kron(box, np.ones((cell, cell), dtype=np.float32))
    page = (max(page[0], blocky.shape[0]), max(page[1], blocky.shape[1]))
    r0, c0 = (int(v) for v in _place(rng, page, blocky.shape))
    canvas = np.zeros(page, dtype=np.float32)
    canvas[r0:r0 + blocky.shape[0], c0:c0 + blocky.shape[1]] = blocky
    image, dark = _paper_and_ink(rng, canvas)
    solid = box > 0
    pen = 2.0 * solid.sum() / max(1, (solid & ~ndimage.binary_erosion(solid)).sum()) / size[1]  # as a share of the height
    return image, DrawnInfo(int(label), f"{source}-{kind}", float(pen), dark, page, float(size[1] * cell))


def scan_mnist_digit(digit: np.ndarray, label: int, rng: np.random.Generator,
                     page_sides: tuple[int, int] = (64, 600)) -> tuple[np.ndarray, DrawnInfo]:
    """One MNIST digit scanned as a digit form reader did (`scan_ink`)."""
    return scan_ink(digit, label, "mnist", rng, page_sides)


def scanned_mnist(x_test: np.ndarray, y_test: np.ndarray, n: int, seed: int = 0,
                  page_sides: tuple[int, int] = (64, 600), start: int = 0
                  ) -> tuple[list[np.ndarray], np.ndarray, list[DrawnInfo]]:
    """Digits `start` .. `start + n` of a set of scanned MNIST test digits (`scan_mnist_digit`): images, labels,
    infos; like `redrawn_mnist`, it walks a `seed`-shuffled order of the digits given."""
    order = np.random.default_rng(seed).permutation(len(x_test))
    made = [scan_mnist_digit(x_test[order[i % len(order)]], int(y_test[order[i % len(order)]]),
                             np.random.default_rng([seed, i, 5]), page_sides) for i in range(start, start + n)]
    return _unzip(made)


def contact_sheet(images: list[np.ndarray], captions: list[str] | None = None, cell: int = 96,
                  columns: int = 10) -> Image.Image:
    """The images side by side, each shrunk to fit a `cell` square, with optional captions."""
    rows = (len(images) + columns - 1) // columns
    caption_h = 12 if captions else 0
    sheet = Image.new("L", (columns * cell, rows * (cell + caption_h)), 128)
    draw = ImageDraw.Draw(sheet)
    for i, array in enumerate(images):
        thumb = Image.fromarray(np.asarray(array))
        thumb.thumbnail((cell - 4, cell - 4), Image.Resampling.LANCZOS)
        x, y = (i % columns) * cell, (i // columns) * (cell + caption_h)
        sheet.paste(thumb, (x + (cell - thumb.width) // 2, y + (cell - thumb.height) // 2))
        if captions:
            draw.text((x + 2, y + cell), captions[i][:16], fill=255)
    return sheet
