"""The kernel playground's maths: preset kernels, kernels typed as rows, and one image's staged pass.

    image -> grey SIZE x SIZE in 0..1 -> convolution -> ReLU -> 2x2 max pooling -> flatten -> dense 64

The convolution is a correlation (no kernel flip), with Keras/TensorFlow's stride and
"same"/"valid" padding, computed with scipy.ndimage; the dense layer is untrained, its
weights drawn from a seeded generator. Arrays are channels-last, like Keras.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image

DEFAULT_SIZE = 300
SIZES = (8, 1024)  # the image sides the Kernels tab and `convolve` allow
DENSE_UNITS = 64
DENSE_SEED = 0
PADDINGS = ("same", "valid")
MAX_KERNEL_SIDE = 15

_SOBEL_5 = np.outer([1, 4, 6, 4, 1], [-1, -2, 0, 2, 1]) / 1.0
_GAUSS_5 = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0
PRESETS_3: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "laplacian_4": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    "laplacian_8": np.array([[1, 1, 1], [1, -8, 1], [1, 1, 1]]),
    "sobel_x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "sobel_y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    "prewitt_x": np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]),
    "prewitt_y": np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "box_blur": np.full((3, 3), 1 / 9),
    "gaussian_blur": np.outer([1, 2, 1], [1, 2, 1]) / 16.0,
    "emboss": np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
}
# 5x5 versions: the smoothing and gradient kernels at their 5-tap widths, the rest the 3x3 kernel ringed with zeros.
_WIDE_5 = {"box_blur": np.full((5, 5), 1 / 25), "gaussian_blur": _GAUSS_5, "sobel_x": _SOBEL_5, "sobel_y": _SOBEL_5.T,
           "prewitt_x": np.outer(np.ones(5), [-2, -1, 0, 1, 2]), "prewitt_y": np.outer([-2, -1, 0, 1, 2], np.ones(5))}
PRESET_NAMES = tuple(PRESETS_3)
PRESET_TITLES = {"identity": "Identity", "laplacian_4": "Laplacian, 4-neighbour", "laplacian_8": "Laplacian, 8-neighbour",
                 "sobel_x": "Sobel x", "sobel_y": "Sobel y", "prewitt_x": "Prewitt x", "prewitt_y": "Prewitt y",
                 "sharpen": "Sharpen", "box_blur": "Box blur", "gaussian_blur": "Gaussian blur", "emboss": "Emboss"}


class KernelError(ValueError):
    """A kernel name or rows that cannot be used; the message names the problem."""


def preset(name: str, side: int = 3) -> np.ndarray:
    """The preset kernel `name` as a float32 (side, side) array; side is 3 or 5."""
    if name not in PRESETS_3:
        raise KernelError(f"unknown kernel '{name}' (presets: {', '.join(PRESET_NAMES)}; or rows such as \"0,1,0;1,-4,1;0,1,0\")")
    if side == 3:
        return PRESETS_3[name].astype(np.float32)
    if side != 5:
        raise KernelError(f"presets come as 3x3 or 5x5, not {side}x{side}")
    if name in _WIDE_5:
        return _WIDE_5[name].astype(np.float32)
    return np.pad(PRESETS_3[name], 1).astype(np.float32)


def parse_rows(text: str) -> np.ndarray:
    """A kernel typed as rows, e.g. "0,1,0;1,-4,1;0,1,0" (rows split by ';', values by ',' or spaces)."""
    rows = [row.strip() for row in text.strip().split(";")]
    if not text.strip():
        raise KernelError("the kernel is empty")
    values: list[list[float]] = []
    for number, row in enumerate(rows, start=1):
        cells = [cell for cell in re.split(r"[,\s]+", row) if cell]
        if not cells:
            raise KernelError(f"row {number} of the kernel is empty")
        try:
            values.append([float(cell) for cell in cells])
        except ValueError:
            bad = next(cell for cell in cells if not _is_number(cell))
            raise KernelError(f"row {number}: '{bad}' is not a number") from None
        if len(values[-1]) != len(values[0]):
            raise KernelError(f"row {number} has {len(values[-1])} values, row 1 has {len(values[0])}")
    kernel = np.array(values, dtype=np.float32)
    if max(kernel.shape) > MAX_KERNEL_SIDE:
        raise KernelError(f"the kernel is {kernel.shape[0]}x{kernel.shape[1]}; at most {MAX_KERNEL_SIDE} per side")
    if not np.all(np.isfinite(kernel)):
        raise KernelError("the kernel has a value that is not finite")
    return kernel


def kernel_from_text(text: str) -> np.ndarray:
    """A preset by name (3x3), or a kernel typed as rows."""
    name = text.strip().lower().replace("-", "_")
    if name in PRESETS_3:
        return preset(name)
    if re.fullmatch(r"[a-z_][a-z0-9_ ]*", name):
        raise KernelError(f"unknown kernel '{text.strip()}' (presets: {', '.join(PRESET_NAMES)}; "
                          "or rows such as \"0,1,0;1,-4,1;0,1,0\")")
    return parse_rows(text)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_grey(image: Image.Image | np.ndarray, size: int = DEFAULT_SIZE, colour: bool = False) -> np.ndarray:
    """The image resized to size x size (aspect not kept, as the classic tutorial does), scaled to 0..1.

    (size, size, 1) grey, or (size, size, 3) RGB with `colour`; transparency is laid on white.
    A 2-D array is read as grey: uint8 0..255, or floats 0..1.
    """
    if isinstance(image, np.ndarray):
        values = image if image.dtype == np.uint8 else np.clip(np.asarray(image, np.float32) * 255, 0, 255).astype(np.uint8)
        image = Image.fromarray(values)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    image = image.convert("RGB" if colour else "L").resize((size, size), Image.Resampling.BILINEAR)
    values = np.asarray(image, dtype=np.float32) / 255.0
    return values if colour else values[:, :, None]


@dataclass(frozen=True)
class Convolution:
    """A convolution layer's settings: (K, kh, kw) kernels, stride and padding, as Keras' Conv2D has them."""

    kernels: np.ndarray
    stride: int = 1
    padding: str = "same"

    def pads(self, size: int, side: int) -> tuple[int, int]:
        """Zeros before and after an input `size` long for a kernel `side` long (TensorFlow's rule for 'same')."""
        if self.padding == "valid":
            return 0, 0
        out = -(-size // self.stride)
        total = max((out - 1) * self.stride + side - size, 0)
        return total // 2, total - total // 2

    def output_size(self, size: int, side: int) -> int:
        before, after = self.pads(size, side)
        return (size + before + after - side) // self.stride + 1

    def window(self, image_shape: tuple[int, ...], row: int, column: int) -> tuple[int, int]:
        """The input (row, column) under the top-left kernel cell for output pixel (row, column); may be negative."""
        kh, kw = self.kernels.shape[1:]
        return (row * self.stride - self.pads(image_shape[0], kh)[0],
                column * self.stride - self.pads(image_shape[1], kw)[0])

    def apply(self, image: np.ndarray) -> np.ndarray:
        """(H, W, C) -> (H', W', C*K): every kernel on every channel, channel c with kernel k at c*K + k."""
        from scipy import ndimage  # here, not at the top: the command line's parser reads this module's sizes

        kh, kw = self.kernels.shape[1:]
        height, width, channels = image.shape
        if self.padding not in PADDINGS:
            raise KernelError(f"padding must be 'same' or 'valid', not '{self.padding}'")
        if self.padding == "valid" and (height < kh or width < kw):
            raise KernelError(f"the image ({height}x{width}) is smaller than the kernel ({kh}x{kw})")
        rows, cols = self.pads(height, kh), self.pads(width, kw)
        padded = np.pad(image, (rows, cols, (0, 0)))
        out_h, out_w = self.output_size(height, kh), self.output_size(width, kw)
        # scipy's correlate centres the kernel on (kh//2, kw//2); the first full window is centred there.
        top, left = kh // 2, kw // 2
        take = (slice(top, top + (out_h - 1) * self.stride + 1, self.stride),
                slice(left, left + (out_w - 1) * self.stride + 1, self.stride))
        out = np.empty((out_h, out_w, channels * len(self.kernels)), np.float32)
        for c in range(channels):
            for k, kernel in enumerate(self.kernels):
                full = ndimage.correlate(padded[:, :, c], kernel, mode="constant", cval=0.0)
                out[:, :, c * len(self.kernels) + k] = full[take]
        return out

    def patch(self, image: np.ndarray, row: int, column: int, channel: int) -> np.ndarray:
        """The (kh, kw) input patch under the kernel for output (row, column) of output `channel`; zeros outside."""
        kh, kw = self.kernels.shape[1:]
        top, left = self.window(image.shape, row, column)
        source = image[:, :, channel // len(self.kernels)]
        padded = np.pad(source, ((kh, kh), (kw, kw)))
        return padded[top + kh:top + 2 * kh, left + kw:left + 2 * kw]

    def kernel_of(self, channel: int) -> np.ndarray:
        """The kernel that made output `channel`."""
        return self.kernels[channel % len(self.kernels)]

    def explain(self, image: np.ndarray, row: int, column: int, channel: int) -> "OutputValue":
        """How output (row, column, channel) is made: the patch under the kernel, times the kernel, summed."""
        patch = self.patch(image, row, column, channel)
        kernel = self.kernel_of(channel)
        products = patch * kernel
        return OutputValue(self.window(image.shape, row, column), patch, kernel, products,
                           float(products.sum(dtype=np.float64)))


@dataclass(frozen=True)
class OutputValue:
    """One convolution output as CNN Explainer shows it: patch (x) kernel, element-wise, then the sum."""

    corner: tuple[int, int]  # the patch's top-left (row, column) in the input; negative in the zero padding
    patch: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    total: float


@dataclass(frozen=True)
class Stages:
    """One image through the playground, each stage without its batch axis."""

    input: np.ndarray  # (H, W, C) in 0..1
    conv: np.ndarray  # (H', W', C*K)
    relu: np.ndarray
    pool: np.ndarray  # (H'//2, W'//2, C*K)
    flat: np.ndarray  # (N,)
    dense: np.ndarray  # (64,)

    def shapes(self) -> list[tuple[int, ...]]:
        """Each stage's shape with Keras' batch axis of 1, input first."""
        return [(1, *values.shape) for values in (self.input, self.conv, self.relu, self.pool, self.flat, self.dense)]

    def arrays(self) -> dict[str, np.ndarray]:
        """The stages by name as float32 arrays without the batch axis; maps with one channel as (H, W)."""
        maps = {name: getattr(self, name) for name in ("input", "conv", "relu", "pool")}
        arrays = {name: values[:, :, 0] if values.shape[2] == 1 else values for name, values in maps.items()}
        return {**arrays, "flat": self.flat, "dense": self.dense}

    def shape_chain(self) -> str:
        """E.g. "(1, 300, 300, 1) -> (1, 300, 300, 1) -> (1, 150, 150, 1) -> (1, 22500) -> (1, 64)" (ReLU left out)."""
        shapes = self.shapes()
        return " -> ".join(str(shape) for shape in shapes[:2] + shapes[3:])


def max_pool(values: np.ndarray) -> np.ndarray:
    """2x2 max pooling, stride 2, 'valid' (an odd last row or column is dropped, as in Keras' MaxPooling2D)."""
    height, width, channels = values.shape
    rows, cols = height // 2, width // 2
    if rows == 0 or cols == 0:
        raise KernelError(f"the convolution output ({height}x{width}) is too small for 2x2 pooling")
    even = values[:rows * 2, :cols * 2]
    return np.maximum(np.maximum(even[0::2, 0::2], even[0::2, 1::2]), np.maximum(even[1::2, 0::2], even[1::2, 1::2]))


@functools.lru_cache(maxsize=4)
def dense_weights(inputs: int, units: int = DENSE_UNITS, seed: int = DENSE_SEED) -> np.ndarray:
    """Untrained (inputs, units) weights, Glorot uniform from a seeded generator (Keras' Dense default)."""
    limit = np.sqrt(6.0 / (inputs + units))
    weights = np.random.default_rng(seed).uniform(-limit, limit, (inputs, units)).astype(np.float32)
    weights.flags.writeable = False
    return weights


def forward(image: np.ndarray, convolution: Convolution, seed: int = DENSE_SEED) -> Stages:
    """`image` (H, W, C) in 0..1 through convolution, ReLU, 2x2 max pooling, flatten and a ReLU dense layer of 64."""
    conv = convolution.apply(image)
    relu = np.maximum(conv, 0.0)
    pool = max_pool(relu)
    flat = pool.reshape(-1)
    # einsum, not BLAS: one vector is too little work for BLAS threads, which cost ~10x more on a busy 2-core machine.
    dense = np.maximum(np.einsum("i,ij->j", flat, dense_weights(flat.size, DENSE_UNITS, seed)), 0.0)
    return Stages(image, conv, relu, pool, flat, dense)
