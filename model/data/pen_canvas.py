"""Pen trajectories drawn as the window's canvas draws them, then through the window's preprocessing.

The canvas (gui/inspect/canvas.py) keeps a `CANVAS_SIDE` x `CANVAS_SIDE` grey image, white ink on black,
and paints every pen move as an anti-aliased straight segment with round caps and joins, the brush
`BRUSH_SIZES` pixels wide (its slider; `DEFAULT_BRUSH` at start).  `draw_on_canvas` paints the same
without Qt (model/ never imports it): every segment a line with a round cap at both ends, 4x
supersampled and area-averaged, which tests/gui/test_pen_canvas.py holds to what the real canvas paints
for the same mouse strokes.  `canvas_page` places a real writer's trajectory on the canvas at a size and
place a person would draw it, after tablet-like sampling (`tablet_sampled`), and `pen_digit_inputs` runs
such pages through the window's preprocessing.  Every digit depends only on (seed, index).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

CANVAS_SIDE = 280
BRUSH_SIZES = (6, 40)
DEFAULT_BRUSH = 20.0
_SUPERSAMPLE = 4
_CHUNK = 500

Strokes = list[np.ndarray]


def draw_on_canvas(strokes: Strokes, brush: float, side: int = CANVAS_SIDE) -> np.ndarray:
    """The strokes (canvas pixels, x right, y down; pixel centres at .5) painted white on black with a round brush
    `brush` px wide, anti-aliased, as the canvas paints them (uint8, `side` x `side`)."""
    s = _SUPERSAMPLE
    ink = Image.new("L", (side * s, side * s), 0)
    draw = ImageDraw.Draw(ink)
    width, radius = max(1, round(brush * s)), brush * s / 2
    for stroke in strokes:
        xy = np.asarray(stroke, dtype=np.float64) * s
        if len(xy) > 1:
            draw.line([tuple(p) for p in xy], fill=255, width=width)
        for x, y in xy:  # the round cap at both ends of every segment
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    return np.asarray(ink.resize((side, side), Image.Resampling.BOX))


def tablet_sampled(strokes: Strokes, r: np.random.Generator) -> Strokes:
    """The trajectory as some tablet or mouse would have recorded it: as it is, every k-th point (a slower tablet,
    or mouse moves coalesced), points every 6-25% of its longer side and at its corners, or 8-12 points evenly along the
    whole path with the pen lifts joined (as UCI's pendigits keeps a digit)."""
    from model.data.handwriting import evenly, pen_samples  # here: the window reads this module's sizes at start-up

    kind = r.random()
    if kind < 0.4:
        return strokes
    if kind < 0.7:
        k = int(r.integers(2, 6))
        return [np.vstack([s[::k], s[-1:]]) if len(s) > 1 else s for s in strokes]
    size = float(np.ptp(np.vstack(strokes), axis=0).max())
    if size <= 0:
        return strokes  # a dot
    if kind < 0.85:
        step = size * r.uniform(0.06, 0.25)
        return [pen_samples(s, step) if len(s) > 2 else s for s in (_distinct(s) for s in strokes)]
    return [evenly([_distinct(s) for s in strokes], int(r.integers(8, 13)))]


def _distinct(stroke: np.ndarray) -> np.ndarray:
    """The stroke without repeated points (a pen at rest)."""
    keep = np.r_[True, np.any(np.diff(stroke, axis=0) != 0, axis=1)]
    return stroke[keep]


def canvas_page(strokes: Strokes, r: np.random.Generator, augment: bool = True) -> np.ndarray:
    """A trajectory (any units, y down) scaled so its longer side is 80-240 px, placed anywhere on the canvas and
    painted with a brush of the slider's range (uint8 canvas image); `augment`: tablet-sampled, turned up to 12 degrees,
    sheared up to 0.3 and stretched up to a third first, for more writers' slants and proportions than the training
    writers have (a check draws the points as they were written)."""
    if augment:
        strokes = tablet_sampled(strokes, r)
        angle, shear = np.radians(r.uniform(-12, 12)), r.uniform(-0.3, 0.3)
        aspect = np.exp(r.uniform(np.log(0.75), np.log(1.33)))
        matrix = (np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
                  @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([aspect, 1.0]))
        strokes = [s @ matrix.T for s in strokes]
    points = np.vstack(strokes)
    low, extent = points.min(axis=0), np.ptp(points, axis=0)
    longer = r.uniform(80, 240)
    brush = float(np.clip(np.exp(r.uniform(np.log(BRUSH_SIZES[0]), np.log(BRUSH_SIZES[1]))), BRUSH_SIZES[0],
                          max(BRUSH_SIZES[0], 0.3 * longer)))
    scale = longer / max(float(extent.max()), 1e-6)
    room = CANVAS_SIDE - extent * scale - brush
    corner = brush / 2 + r.uniform(0, 1, 2) * np.maximum(room, 0)
    return draw_on_canvas([(s - low) * scale + corner for s in strokes], brush)


def _chunk(job: tuple[list[Strokes], int, int, int, bool]) -> np.ndarray:
    from model.data.digit_pages import preprocessed  # scipy: not imported by the canvas, which reads the sizes above

    digits, start, seed, copy, augment = job
    return preprocessed((canvas_page(strokes, np.random.default_rng([seed, copy, start + i, 29]), augment)
                         for i, strokes in enumerate(digits)), len(digits))


def pen_digit_inputs(digits: list[Strokes], copies: int = 1, seed: int = 0, workers: int = 1, augment: bool = True
                     ) -> np.ndarray:
    """Every digit's trajectory drawn `copies` times on the canvas (`canvas_page`, each copy its own sampling, size,
    place and brush) and preprocessed to MNIST's 28x28 uint8 (255 = ink): copy 0 of all digits, then copy 1, ..."""
    from model.data.digit_pages import made_in_chunks

    jobs = [(digits[start:start + _CHUNK], start, seed, copy, augment)
            for copy in range(copies) for start in range(0, len(digits), _CHUNK)]
    return made_in_chunks(_chunk, jobs, workers)
