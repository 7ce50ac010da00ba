"""Checking and re-encoding an uploaded photo with Pillow (no Flask, no database).

A photo is trusted only after Pillow has decoded every pixel of it: the name, the
browser's content type and the magic bytes prove nothing. It is then written anew — turned
upright by its EXIF orientation, shrunk to ``max_side``, and saved without any metadata, so
EXIF (GPS position, device, owner) and embedded profiles never reach the disk.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from gridapp.core.errors import BadRequest, TooLarge, UnsupportedMedia
from gridapp.core.vocab import PHOTO_FORMATS

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 8 * 1024 * 1024
    max_pixels: int = 40_000_000  # decompression bombs: refused before decoding
    max_side: int = 2560  # longer side after re-encoding


@dataclass(frozen=True)
class EncodedPhoto:
    data: bytes
    mime: str
    extension: str
    width: int
    height: int


def encode_photo(data: bytes, limits: Limits = Limits()) -> EncodedPhoto:
    """The photo in ``data`` verified and re-encoded in its own format, metadata removed."""
    if not data:
        raise BadRequest("照片是空文件（0 字节）")
    if len(data) > limits.max_bytes:
        raise TooLarge(f"照片超过 {limits.max_bytes // (1024 * 1024)} MB，请压缩后再上传")
    image = _open(data, limits)
    # A phone's JPEG with a second picture inside (MPO: depth map, preview) is its first.
    fmt = "JPEG" if image.format == "MPO" else str(image.format)
    image = ImageOps.exif_transpose(image)
    if max(image.size) > limits.max_side:
        image.thumbnail((limits.max_side, limits.max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=80)
    return EncodedPhoto(
        data=out.getvalue(),
        mime=PHOTO_FORMATS[fmt],
        extension=EXTENSIONS[fmt],
        width=image.width,
        height=image.height,
    )


def _open(data: bytes, limits: Limits) -> Image.Image:
    """Decode ``data`` fully, or refuse it in Chinese."""
    kinds = "、".join(PHOTO_FORMATS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data), formats=list(PHOTO_FORMATS))
            if probe.width * probe.height > limits.max_pixels:
                raise TooLarge(
                    f"照片像素过多（{probe.width}×{probe.height}），"
                    f"上限为 {limits.max_pixels // 1_000_000} 百万像素"
                )
            probe.verify()  # structure and checksums; the image must be reopened after
            image = Image.open(io.BytesIO(data), formats=list(PHOTO_FORMATS))
            image.load()  # every pixel decoded: a truncated file fails here
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UnsupportedMedia(f"文件不是可识别的图片，只接受 {kinds} 格式的照片") from None
    except (OSError, SyntaxError, ValueError):
        raise UnsupportedMedia("图片文件已损坏或不完整，请重新拍摄或选择") from None
    if image.format != "MPO" and getattr(image, "n_frames", 1) > 1:
        raise UnsupportedMedia("不接受动图，请上传单张照片")
    return image
