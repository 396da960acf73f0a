"""Image comparison: decoding, SSIM, the ratio of changed pixels, the changed region and a heat map.

numpy, Pillow and scikit-image are imported when the first comparison runs, not when the service starts, so
/health answers at once (scikit-image pulls in SciPy, which takes about a second to import).
"""

import base64
import binascii
import io
import re
from typing import Any, Dict, Optional, Tuple

MAX_PIXELS = 10_000_000  # a 4K screenshot (3840x2160) is 8.3 million
STRIPE_PIXELS = 100_000  # SSIM is computed in stripes of about this many pixels (~400 bytes each at once)
IMAGE_SIGNATURES = {
    "PNG": b"\x89PNG\r\n\x1a\n",
    "JPEG": b"\xff\xd8\xff",
}
DATA_URL = re.compile(r"^data:image/[\w.+-]+;base64,", re.I)


class ImageProblem(ValueError):
    """An image cannot be used; the message names the field."""


def image_bytes(field: str, data: str) -> bytes:
    """The file bytes of base64 `data` (a data: URL prefix and whitespace are allowed); checks the signature."""
    text = re.sub(r"\s+", "", DATA_URL.sub("", data.strip()))
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ImageProblem(f"'{field}' is not valid base64")
    if not any(raw.startswith(signature) for signature in IMAGE_SIGNATURES.values()):
        raise ImageProblem(f"'{field}' is not a PNG or JPEG image")
    return raw


def decode(field: str, raw: bytes) -> Any:
    """The image as an RGB uint8 array (height, width, 3); transparency is composited onto white."""
    import numpy as np
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(raw))
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ImageProblem(f"'{field}' is {width}x{height}, over the limit of {MAX_PIXELS:,} pixels")
        image.load()
    except ImageProblem:
        raise
    except Exception as error:  # Pillow raises many kinds for a damaged file
        raise ImageProblem(f"'{field}' cannot be decoded: {error}")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def resize_to(pixels: Any, size: Tuple[int, int]) -> Any:
    import numpy as np
    from PIL import Image

    return np.asarray(Image.fromarray(pixels).resize(size, getattr(Image, "Resampling", Image).LANCZOS), dtype=np.uint8)


def luminance(pixels: Any) -> Any:
    """Grey levels (ITU-R 601 luma, as Pillow's "L" mode) of an RGB array, for the heat map's background."""
    import numpy as np
    from PIL import Image

    return np.asarray(Image.fromarray(pixels).convert("L"))


def ssim(a: Any, b: Any) -> float:
    """Mean SSIM over the three colour channels, as skimage's structural_similarity(channel_axis=2) computes it
    (7x7 window, the border of half a window left out; per channel, so that a change of hue at equal brightness
    counts), but computed in horizontal stripes so that memory stays bounded: each stripe is read with half a
    window of extra rows on both sides, which makes its SSIM values those of the whole image."""
    import numpy as np
    from skimage.metrics import structural_similarity

    height, width = a.shape[:2]
    side = min(height, width)
    window = min(7, side if side % 2 else side - 1)
    pad = (window - 1) // 2
    rows = max(32, STRIPE_PIXELS // width)
    total, count = 0.0, 0
    for top in range(pad, height - pad, rows):
        bottom = min(top + rows, height - pad)
        low, high = max(0, top - pad), min(height, bottom + pad)
        _, stripe = structural_similarity(
            a[low:high], b[low:high], data_range=255, win_size=window, channel_axis=2, full=True
        )
        kept = stripe[top - low: bottom - low, pad: width - pad]
        total += float(kept.sum(dtype=np.float64))
        count += kept.size
    return total / count


def heat_map(baseline: Any, levels: Any, changed: Any) -> str:
    """base64 PNG: the baseline dimmed to grey, differences painted over it from red (small) to yellow (large).
    Integer arithmetic, one channel at a time, to keep memory low on large images."""
    import numpy as np
    from PIL import Image

    grey = (luminance(baseline).astype(np.uint16) * 90) // 255  # dimmed to about a third
    level = levels.astype(np.uint16)
    alpha = np.where(changed, np.minimum(255, 115 + level), np.minimum(128, level * 2))  # 0..255
    channels = []
    for colour in (np.uint16(255), level, np.uint16(0)):  # red, green (yellow for large differences), blue
        channels.append(((grey * (255 - alpha) + colour * alpha) // 255).astype(np.uint8))
    buffer = io.BytesIO()
    Image.fromarray(np.dstack(channels)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


_lpips_model: Any = None


def lpips_report(a: Any, b: Any) -> Dict[str, Any]:
    """LPIPS distance when the `lpips` package, torch and the model weights are installed; otherwise why not."""
    import importlib.util

    global _lpips_model
    if importlib.util.find_spec("lpips") is None or importlib.util.find_spec("torch") is None:
        return {"available": False, "reason": "LPIPS needs the lpips and torch packages and the model weights"}
    try:
        import lpips  # type: ignore[import-not-found]
        import torch  # type: ignore[import-not-found]

        if _lpips_model is None:
            _lpips_model = lpips.LPIPS(net="alex", verbose=False)
        as_tensor = lambda x: torch.from_numpy(x).permute(2, 0, 1)[None].float() / 127.5 - 1  # noqa: E731
        with torch.no_grad():
            return {"available": True, "distance": round(float(_lpips_model(as_tensor(a), as_tensor(b))), 6)}
    except Exception as error:  # weights missing (no network to fetch them), torch errors
        return {"available": False, "reason": f"LPIPS could not run: {error}"}


def changed_region(changed: Any) -> Optional[Dict[str, int]]:
    import numpy as np

    rows = np.flatnonzero(changed.any(axis=1))
    cols = np.flatnonzero(changed.any(axis=0))
    if rows.size == 0:
        return None
    return {"x": int(cols[0]), "y": int(rows[0]), "width": int(cols[-1] - cols[0] + 1), "height": int(rows[-1] - rows[0] + 1)}


def compare(
    baseline_raw: bytes,
    candidate_raw: bytes,
    threshold: float,
    min_ssim: float,
    max_diff_ratio: float,
    with_heat_map: bool,
    resize: bool,
) -> Dict[str, Any]:
    import numpy as np

    baseline = decode("baseline", baseline_raw)
    candidate = decode("candidate", candidate_raw)
    height, width = baseline.shape[:2]
    resized = False
    if candidate.shape != baseline.shape:
        if not resize:
            raise ImageProblem(
                f"'candidate' is {candidate.shape[1]}x{candidate.shape[0]} but 'baseline' is {width}x{height}; "
                "send images of the same size, or set 'resize' to true"
            )
        candidate = resize_to(candidate, (width, height))
        resized = True
    if min(width, height) < 3:
        raise ImageProblem(f"'baseline' is {width}x{height}; SSIM needs images of at least 3x3 pixels")
    # Per pixel, the largest difference of its three channels, in uint8 to keep memory low on large images.
    levels = (np.maximum(baseline, candidate) - np.minimum(baseline, candidate)).max(axis=2)
    changed = levels > threshold * 255
    score = round(ssim(baseline, candidate), 6)
    changed_pixels = int(changed.sum())
    ratio = round(changed_pixels / (width * height), 6)
    failed = []
    if score < min_ssim:
        failed.append(f"ssim {score} is below min_ssim {min_ssim}")
    if ratio > max_diff_ratio:
        failed.append(f"diff_ratio {ratio} is above max_diff_ratio {max_diff_ratio}")
    return {
        "passed": not failed,
        "failed": failed,
        "ssim": score,
        "diff_ratio": ratio,
        "changed_pixels": changed_pixels,
        "total_pixels": width * height,
        "width": width,
        "height": height,
        "changed_region": changed_region(changed),
        "resized": resized,
        "criteria": {"threshold": threshold, "min_ssim": min_ssim, "max_diff_ratio": max_diff_ratio},
        "heatmap": heat_map(baseline, levels, changed) if with_heat_map else None,
        "lpips": lpips_report(baseline, candidate),
    }
