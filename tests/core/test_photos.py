"""Photo checking and re-encoding (core/photos.py), without Flask or a database."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from gridapp.core.errors import BadRequest, TooLarge, UnsupportedMedia
from gridapp.core.photos import Limits, encode_photo

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _jpeg_with_gps(size: tuple[int, int] = (64, 32), orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (39.0, 54.0, 1.0), 3: "E", 4: (116.0, 23.0, 5.0)}
    exif[0x010F] = "PhoneMaker"  # camera make
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def _image(fmt: str, size: tuple[int, int] = (40, 30), **kwargs: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, fmt, **kwargs)
    return out.getvalue()


def test_jpeg_loses_its_exif_gps_and_is_turned_upright() -> None:
    data = _jpeg_with_gps(orientation=6)  # "rotate 90° clockwise to view"
    assert GPS_IFD in Image.open(io.BytesIO(data)).getexif()
    photo = encode_photo(data)
    image = Image.open(io.BytesIO(photo.data))
    assert photo.mime == "image/jpeg" and photo.extension == "jpg"
    assert dict(image.getexif()) == {}
    assert b"PhoneMaker" not in photo.data
    assert (photo.width, photo.height) == (32, 64) == image.size


@pytest.mark.parametrize(("fmt", "mime"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_keep_their_format(fmt: str, mime: str) -> None:
    photo = encode_photo(_image(fmt))
    assert photo.mime == mime
    assert Image.open(io.BytesIO(photo.data)).format == fmt


def test_png_text_chunks_are_dropped() -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "住址：光华路1号")
    photo = encode_photo(_image("PNG", pnginfo=info))
    assert "Comment" not in Image.open(io.BytesIO(photo.data)).info
    assert "光华路".encode() not in photo.data


def test_large_photo_is_shrunk_to_the_longest_side() -> None:
    photo = encode_photo(_image("JPEG", size=(3000, 1000)), Limits(max_side=600))
    assert (photo.width, photo.height) == (600, 200)


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b"", BadRequest, "空文件"),
        (b"%PDF-1.7 not a photo", UnsupportedMedia, "不是可识别的图片"),
        (b"GIF89a" + b"\x00" * 40, UnsupportedMedia, "不是可识别的图片"),
    ],
)
def test_refusals_are_in_chinese(data: bytes, error: type[Exception], words: str) -> None:
    with pytest.raises(error) as refused:
        encode_photo(data)
    assert words in str(refused.value)


def test_a_gif_is_refused_even_when_valid() -> None:
    with pytest.raises(UnsupportedMedia):
        encode_photo(_image("GIF"))


def test_a_truncated_jpeg_is_refused() -> None:
    data = _image("JPEG", size=(400, 300))
    with pytest.raises(UnsupportedMedia, match="损坏或不完整"):
        encode_photo(data[: len(data) // 2])


def test_bytes_and_pixel_limits() -> None:
    with pytest.raises(TooLarge, match="MB"):
        encode_photo(_image("PNG"), Limits(max_bytes=10))
    # A small file that claims a huge canvas (decompression bomb) is refused unread.
    with pytest.raises(TooLarge, match="像素"):
        encode_photo(_image("PNG", size=(2000, 2000)), Limits(max_pixels=1_000_000))


def test_a_phones_multi_picture_jpeg_is_its_first_picture() -> None:
    first, second = Image.new("RGB", (64, 48), (200, 0, 0)), Image.new("RGB", (32, 24))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second])
    photo = encode_photo(out.getvalue())
    image = Image.open(io.BytesIO(photo.data))
    assert (photo.mime, image.format, image.size) == ("image/jpeg", "JPEG", (64, 48))
    assert getattr(image, "n_frames", 1) == 1


def test_an_animated_webp_is_refused() -> None:
    frames = [Image.new("RGB", (20, 20), (i * 40, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:])
    with pytest.raises(UnsupportedMedia, match="动图"):
        encode_photo(out.getvalue())


@pytest.mark.parametrize(("mode", "fmt"), [("CMYK", "JPEG"), ("I;16", "PNG"), ("LA", "WEBP")])
def test_unusual_colour_modes_are_re_encoded(mode: str, fmt: str) -> None:
    out = io.BytesIO()
    Image.new(mode, (30, 20)).save(out, fmt)
    photo = encode_photo(out.getvalue())
    assert Image.open(io.BytesIO(photo.data)).format == fmt and photo.width == 30
