"""MNIST-style preprocessing: any drawing or image to the input a digit model expects.

The steps follow how MNIST itself was made: ink found on its paper (either polarity),
cropped to its bounding box, the longer side scaled to 20 px with anti-aliasing, placed
in a 28x28 frame and shifted so its centre of mass sits at the centre.  One step is ours:
pen strokes are evened toward MNIST's stroke widths before scaling, so a hairline on a
big page and a felt-tip on a small one reach the model alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image
from scipy import ndimage

from model.spec import DIGIT_SHAPE

MNIST_SIZE = DIGIT_SHAPE[0]
MNIST_BOX = 20
# Pen widths (by `stroke_width`) of the middle 80% of MNIST training digits.
STROKE_RANGE = (1.9, 3.8)
_MEASURE_SCALE = 8
_WORK_BOX = MNIST_BOX * _MEASURE_SCALE  # digits are measured and evened at this size
NOTHING_DRAWN = "Nothing drawn yet: draw a digit (or open an image) to see the network at work."
_INK_THRESHOLD = 0.12  # below this share of the strongest ink, a pixel is paper
_MIN_PART = 0.04  # ink blobs smaller than this share of the largest one are specks
_RIM = 2  # pixels of anti-aliasing kept around each blob


class InputShapeError(ValueError):
    """The model's input cannot be fed from a grey image; the message says why."""


@dataclass(frozen=True)
class Step:
    """One preprocessing stage: its name and the image after it (float, 0..1; 2-D with 1 = ink for digits,
    H x W x C for photos)."""

    name: str
    image: np.ndarray


@dataclass(frozen=True)
class Preprocessed:
    """The model input (H, W, C float32 in 0..1), or None with a message when nothing is drawn."""

    model_input: np.ndarray | None
    steps: list[Step] = field(default_factory=list)
    message: str = ""

    @property
    def blank(self) -> bool:
        return self.model_input is None


def preprocess(image: np.ndarray | Image.Image, input_shape: tuple[int, ...] = DIGIT_SHAPE) -> Preprocessed:
    """Turn a drawing or photo of one digit into a model input plus every step on the way.

    `image` is a PIL image or an array (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA, as
    uint8 0..255 or float 0..1.  `input_shape` is the model's input without the batch axis.
    """
    height, width, channels = _target_shape(input_shape)
    grey = _to_grey(image)
    framed = _in_mnist_form(grey, height, width)
    if framed is not None:
        steps = [Step("ink", framed), Step("fed as is", framed)]
        return Preprocessed(np.repeat(framed[..., np.newaxis], channels, axis=2), steps)
    ink = _ink(grey)
    steps = [Step("ink", ink)]
    if ink.max() <= 0:
        return Preprocessed(None, steps, NOTHING_DRAWN)
    cropped = _crop(ink)
    steps.append(Step("cropped", cropped))
    frame = min(height, width)
    box = max(1, round(frame * MNIST_BOX / MNIST_SIZE))
    evened = _even_strokes(cropped)
    steps.append(Step("strokes evened", evened))
    scaled = _scale_longer_side(evened, box)
    steps.append(Step(f"scaled to {box} px", scaled))
    centred = _centre_by_mass(scaled, height, width)
    steps.append(Step("centred by mass", centred))
    model_input = np.repeat(centred[..., np.newaxis], channels, axis=2).astype(np.float32)
    return Preprocessed(model_input, steps)


def _target_shape(input_shape: tuple[int, ...]) -> tuple[int, int, int]:
    shape = tuple(input_shape)
    if len(shape) == 2:
        shape = (*shape, 1)
    if len(shape) != 3 or any(s is None for s in shape):
        raise InputShapeError(f"the model expects input of shape {input_shape}; Digit Lens feeds "
                              "single images of a fixed (height, width, channels) size.")
    height, width, channels = shape
    if channels not in (1, 3):
        raise InputShapeError(f"the model expects {channels} channels; Digit Lens can feed grey (1) or RGB (3).")
    if min(height, width) < 8:
        raise InputShapeError(f"the model's input ({height}x{width}) is too small to hold a digit.")
    return int(height), int(width), int(channels)


def _to_grey(image: np.ndarray | Image.Image) -> np.ndarray:
    """Luminance in 0..1, with transparency composited onto a paper that contrasts with the ink (a grey uint8
    page is returned as it is, 0..255)."""
    if isinstance(image, Image.Image):
        if image.mode in ("P", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
            image = image.convert("RGBA")
        elif image.mode not in ("L", "RGB", "RGBA", "F"):
            image = image.convert("RGB")
        array = np.asarray(image)
    else:
        array = np.asarray(image)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)) or array.size == 0:
        raise ValueError(f"expected a grey, RGB or RGBA image, got an array of shape {array.shape}")
    if array.ndim == 2 and array.dtype == np.uint8:
        return array  # a grey page (the canvas): `_ink` reads it as 0..1 only where the ink is
    values = array.astype(np.float32)
    if array.dtype == np.uint8 or values.max() > 1.0:
        values /= 255.0
    if values.ndim == 2:
        return values
    if values.shape[2] == 1:
        return values[..., 0]
    rgb = values[..., :3]
    luminance = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if values.shape[2] == 3:
        return luminance
    alpha = values[..., 3]
    if alpha.min() >= 0.99:
        return luminance
    # Ink is whatever is opaque: put it on paper of the opposite brightness.
    ink_brightness = float((luminance * alpha).sum() / max(alpha.sum(), 1e-6))
    paper = 1.0 if ink_brightness < 0.5 else 0.0
    return luminance * alpha + paper * (1.0 - alpha)


def _border(image: np.ndarray) -> np.ndarray:
    """The pixels round the image's edge: its paper, whatever the digit in the middle."""
    return np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])


def _in_mnist_form(grey: np.ndarray, height: int, width: int) -> np.ndarray | None:
    """`grey` as light ink on clean dark paper (0..1) when it already is what the model takes, else None: the model's
    size, its ink's longer side filling MNIST's 20 px box (19-20 px) and its centre of mass within a pixel of the
    middle, as MNIST's own digits and saved model inputs are.  Preprocessing such a digit again could only shift it
    a pixel or dim its faint edges (MNIST's test digits read 99.63% as they are, 99.33% preprocessed again, by the
    model shipped at the time)."""
    if grey.shape != (height, width):
        return None
    values = grey.astype(np.float32) / np.float32(255.0) if grey.dtype == np.uint8 else grey.astype(np.float32)
    if np.median(_border(values)) > 0.5:
        values = 1.0 - values  # dark ink on light paper
    peak = float(values.max())
    if peak < 0.5 or np.median(values) > 0.02:
        return None
    rows, cols = _box(values > _INK_THRESHOLD * peak)
    box = round(min(height, width) * MNIST_BOX / MNIST_SIZE)
    if not box - 1 <= max(rows.stop - rows.start, cols.stop - cols.start) <= box:
        return None
    cy, cx = ndimage.center_of_mass(values)
    if abs(cy - (height - 1) / 2) > 1 or abs(cx - (width - 1) / 2) > 1:
        return None
    return values / peak


def _ink(grey: np.ndarray) -> np.ndarray:
    """How much ink each pixel holds (0 paper .. 1 strongest ink), whatever the polarity. `grey`: 0..1, or a
    uint8 page read as 0..255 / 255 (converted only in the box round the ink: a drawing is mostly empty page)."""
    as_float = (lambda a: a.astype(np.float32) / np.float32(255.0)) if grey.dtype == np.uint8 else (lambda a: a)
    paper = float(np.median(as_float(_border(grey))))

    def contrast_of(values: np.ndarray) -> np.ndarray:
        return (paper - as_float(values)) if paper > 0.5 else (as_float(values) - paper)

    if grey.dtype == np.uint8:  # the contrast of each of the 256 levels: it grows one way with the level
        levels = contrast_of(np.arange(256, dtype=np.uint8))
        peak = float(levels[[grey.min(), grey.max()]].max())
        inked_levels = np.flatnonzero(levels > _INK_THRESHOLD * peak)  # a run at the dark or the bright end
        if inked_levels.size == 0:
            inked = np.zeros(grey.shape, dtype=bool)
        else:
            inked = (grey <= inked_levels[-1]) if paper > 0.5 else (grey >= inked_levels[0])
    else:
        contrast = contrast_of(grey)
        peak = float(contrast.max())
        inked = contrast > _INK_THRESHOLD * peak
    cleaned = np.zeros(grey.shape, dtype=np.float32)
    if peak < 0.1:  # no contrast: an empty page, however noisy
        return cleaned
    box = _box(inked)
    ink = np.clip((contrast_of(grey[box]) / peak - _INK_THRESHOLD) / (1.0 - _INK_THRESHOLD), 0.0, 1.0)
    cleaned[box] = _drop_specks(ink)
    return cleaned


def _drop_specks(ink: np.ndarray) -> np.ndarray:
    """Only the digit's blobs, with their faint rims: no specks, no faint paper texture."""
    solid = ink > 0.3
    page = _box(solid, _RIM)  # only the box round the solid ink and its rim is labelled: mostly empty page
    if page is None:
        return ink
    cleaned = np.zeros_like(ink, dtype=np.float32)
    cleaned[page] = _large_blobs(ink[page], solid[page])
    return cleaned


def _large_blobs(ink: np.ndarray, solid: np.ndarray) -> np.ndarray:
    """`ink` where it belongs to a large blob of `solid` ink or lies within its rim, else 0."""
    labels, count = ndimage.label(solid, structure=np.ones((3, 3)))
    if count == 1:  # one blob (most drawings): it is kept, and `solid` already spans the box
        mask = _grown(solid, _RIM)
        return np.where(mask, ink, 0.0).astype(np.float32, copy=False)
    mass = np.bincount(labels.ravel(), weights=ink.ravel(), minlength=count + 1)[1:]
    keep = np.r_[False, mass >= _MIN_PART * mass.max()]
    kept = keep[labels]
    region = _box(kept, _RIM)
    cleaned = np.zeros_like(ink, dtype=np.float32)
    cleaned[region] = np.where(_grown(kept[region], _RIM), ink[region], 0.0)
    return cleaned


def _grown(mask: np.ndarray, steps: int) -> np.ndarray:
    """`mask` grown by one pixel up, down, left and right, `steps` times (binary dilation with a cross).

    Shifted ORs of the array: several times faster than `ndimage.binary_dilation` on a drawing.
    """
    grown = mask.copy()
    for _ in range(steps):
        previous = grown.copy()
        grown[1:] |= previous[:-1]
        grown[:-1] |= previous[1:]
        grown[:, 1:] |= previous[:, :-1]
        grown[:, :-1] |= previous[:, 1:]
    return grown


def _outline(mask: np.ndarray) -> np.ndarray:
    """The pixels of `mask` with a paper pixel (or the image's edge) above, below, left or right of them."""
    inner = np.zeros_like(mask)
    inner[1:-1, 1:-1] = mask[1:-1, 1:-1] & mask[:-2, 1:-1] & mask[2:, 1:-1] & mask[1:-1, :-2] & mask[1:-1, 2:]
    return mask & ~inner


def _crop(ink: np.ndarray) -> np.ndarray:
    return ink[_box(ink > 0)]


def _box(mask: np.ndarray, margin: int = 0) -> tuple[slice, slice] | None:
    """The rows and columns spanning `mask`'s True pixels, `margin` more each side within the array; None if none."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return (slice(max(rows[0] - margin, 0), rows[-1] + 1 + margin),
            slice(max(cols[0] - margin, 0), cols[-1] + 1 + margin))


def stroke_width(ink: np.ndarray) -> float:
    """Mean pen width of a digit, in pixels of MNIST's 20 px box, whatever the image's size.

    Measured with the digit's box scaled to 8x20 px, as twice the ink's area over its
    outline's length.
    """
    if ink.max() <= 0:
        return 0.0
    return _pen_width(_scale_longer_side(_crop(ink), _WORK_BOX))


def _pen_width(work: np.ndarray) -> float:
    mask = work > 0.5
    outline = int(_outline(mask).sum())
    return 2.0 * int(mask.sum()) / max(outline, 1) / _MEASURE_SCALE


def _even_strokes(cropped: np.ndarray) -> np.ndarray:
    """The crop itself when its pen is as wide as MNIST's; else the crop at 8x the 20 px box with its pen
    widened or narrowed toward MNIST's widths.

    Strokes grow or shrink by a distance (Euclidean distance transforms), with a
    one-pixel soft edge.  A crop that needs no evening is not sent through the 8x copy: scaling a small
    digit (a scan, an MNIST digit) up and down again blurs it by about a pixel.
    """
    work = _scale_longer_side(cropped, _WORK_BOX)
    width = _pen_width(work)
    low, high = STROKE_RANGE
    if width <= 0 or low <= width <= high:
        return cropped
    target = low if width < low else high
    # Growing or shrinking the strokes by r also grows or shrinks the box they are scaled from.
    radius = abs(width - target) * _MEASURE_SCALE / (2.0 * (1.0 - target / MNIST_BOX))
    mask = work >= 0.5
    if width < low:
        pad = int(np.ceil(radius)) + 1
        padded = np.pad(work, pad)
        distance = ndimage.distance_transform_edt(~np.pad(mask, pad))  # to the nearest ink
        return _crop(np.maximum(padded, np.clip(radius + 0.5 - distance, 0.0, 1.0)).astype(np.float32))
    distance = ndimage.distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1]  # to the nearest paper
    thinned = np.minimum(work, np.clip(distance - radius + 0.5, 0.0, 1.0)).astype(np.float32)
    return _crop(thinned) if thinned.max() > 0 else work


def _scale_longer_side(cropped: np.ndarray, box: int) -> np.ndarray:
    height, width = cropped.shape
    scale = box / max(height, width)
    # Pillow widens the bilinear kernel when shrinking: area-weighted anti-aliasing without ringing.
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    scaled = Image.fromarray(cropped.astype(np.float32), mode="F").resize(size, Image.Resampling.BILINEAR)
    out = np.clip(np.asarray(scaled), 0.0, 1.0)
    peak = out.max()
    return out / peak if peak > 0 else out


def _centre_by_mass(scaled: np.ndarray, height: int, width: int) -> np.ndarray:
    frame = np.zeros((height, width), dtype=np.float32)
    h, w = scaled.shape
    top, left = (height - h) // 2, (width - w) // 2
    frame[top:top + h, left:left + w] = scaled
    # As ndimage.center_of_mass sums (a float32 total), so a digit half a pixel off centre moves the same way.
    total = frame.sum()
    cy = float(np.sum(frame * np.arange(height, dtype=np.float64)[:, np.newaxis]) / total)
    cx = float(np.sum(frame * np.arange(width, dtype=np.float64)[np.newaxis, :]) / total)
    # Whole-pixel shifts, as MNIST did: no resampling blur. Clamped so the digit stays in the frame.
    rows = np.flatnonzero(frame.max(axis=1) > 0)
    cols = np.flatnonzero(frame.max(axis=0) > 0)
    dy = int(np.clip(round((height - 1) / 2 - cy), -rows[0], height - 1 - rows[-1]))
    dx = int(np.clip(round((width - 1) / 2 - cx), -cols[0], width - 1 - cols[-1]))
    moved = np.zeros_like(frame)
    moved[rows[0] + dy:rows[-1] + dy + 1, cols[0] + dx:cols[-1] + dx + 1] = frame[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    return moved


def as_given(image: np.ndarray, input_shape: tuple[int, ...]) -> Preprocessed | None:
    """`image` (2-D, uint8 or 0..1, bright ink) fed to the model exactly as it is, as a data set's own
    digit should be: None when its size is not the model's input size."""
    height, width, channels = _target_shape(input_shape)
    if image.ndim != 2 or image.shape != (height, width):
        return None
    values = np.asarray(image, np.float32)
    values = values / 255.0 if image.dtype == np.uint8 else values
    steps = [Step("ink", values), Step("as given (no preprocessing)", values)]
    return Preprocessed(np.repeat(values[..., np.newaxis], channels, axis=2), steps)
