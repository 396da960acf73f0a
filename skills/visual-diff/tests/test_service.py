"""Tests of the visual-diff service: the skill contract, /invoke input handling, and the comparison."""

import base64
import io
import json
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

SKILL_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SKILL_DIR))

import main  # noqa: E402

MANIFEST = json.loads((SKILL_DIR / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def default_settings(monkeypatch):
    for key in ("DIFF_THRESHOLD", "MIN_SSIM", "MAX_DIFF_RATIO"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture()
def client():
    with TestClient(main.app) as test_client:
        yield test_client


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "skill": "visual-diff", "version": MANIFEST["version"]}


def test_metadata_matches_manifest(client):
    response = client.get("/metadata")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == MANIFEST["name"] == "visual-diff"
    assert body["version"] == MANIFEST["version"]
    assert body["description"] == MANIFEST["description"]
    assert body["invoke_path"] == MANIFEST["invokePath"]
    assert body["health_path"] == MANIFEST["healthPath"]
    assert body["docs_path"] == MANIFEST["docsPath"]
    assert body["inputs"]["type"] == "object"
    assert set(["baseline", "candidate", "threshold", "heatmap"]) <= set(body["inputs"]["properties"])


def test_docs(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert client.get("/openapi.json").json()["info"]["title"] == "visual-diff"


def test_unknown_path_is_404(client):
    assert client.get("/does-not-exist").status_code == 404


def test_wrong_method_is_405(client):
    assert client.get("/invoke").status_code == 405
    assert client.post("/health").status_code == 405


@pytest.mark.parametrize("body", [{}, [], "text", {"baseline": "iVBORw0KGgo=", "candidate": "iVBORw0KGgo=", "threshold": 2}])
def test_invoke_rejects_invalid_body(client, body):
    assert client.post("/invoke", json=body).status_code == 422


def test_invoke_rejects_non_json_body(client):
    response = client.post("/invoke", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()
JPEG = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 16).decode()


def test_invoke_rejects_data_that_is_not_base64(client):
    response = client.post("/invoke", json={"baseline": "not base64!", "candidate": PNG})
    assert response.status_code == 422
    assert response.json()["detail"] == "visual-diff: 'baseline' is not valid base64"


def test_invoke_rejects_data_that_is_not_an_image(client):
    gif = base64.b64encode(b"GIF89a" + b"\x00" * 16).decode()
    response = client.post("/invoke", json={"baseline": PNG, "candidate": gif})
    assert response.status_code == 422
    assert response.json()["detail"] == "visual-diff: 'candidate' is not a PNG or JPEG image"


def test_damaged_image_data_is_422_naming_the_field(client):
    response = client.post("/invoke", json={"baseline": PNG, "candidate": PNG})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("visual-diff: 'baseline' cannot be decoded")


# --- comparisons of real images -----------------------------------------------------------------------------------

from PIL import Image, ImageDraw  # noqa: E402  (Debian: python3-pil, a dependency of python3-skimage)

WIDTH, HEIGHT = 80, 60


def scene():
    """A textured picture: a gradient, a few shapes and text, so that SSIM has structure to compare."""
    image = Image.new("RGB", (WIDTH, HEIGHT))
    image.putdata([(x * 3 % 256, y * 4 % 256, (x + y) * 2 % 256) for y in range(HEIGHT) for x in range(WIDTH)])
    draw = ImageDraw.Draw(image)
    draw.ellipse((5, 5, 35, 35), fill=(240, 240, 240))
    draw.rectangle((45, 10, 75, 25), outline=(0, 0, 0), width=2)
    draw.text((8, 42), "odoobo", fill=(10, 10, 10))
    return image


def encode(image, fmt="PNG", **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return base64.b64encode(buffer.getvalue()).decode()


def decode_png(data):
    raw = base64.b64decode(data)
    assert raw.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(raw))


def compare(client, baseline, candidate, **extra):
    response = client.post("/invoke", json={"baseline": baseline, "candidate": candidate, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def test_identical_images_pass_with_ssim_1(client):
    body = compare(client, encode(scene()), encode(scene()))
    assert body["ssim"] == 1.0
    assert body["diff_ratio"] == 0.0 and body["changed_pixels"] == 0
    assert body["total_pixels"] == WIDTH * HEIGHT and (body["width"], body["height"]) == (WIDTH, HEIGHT)
    assert body["changed_region"] is None
    assert body["passed"] is True and body["failed"] == []
    assert body["criteria"] == {"threshold": 0.1, "min_ssim": 0.98, "max_diff_ratio": 0.01}
    assert body["resized"] is False
    heat = decode_png(body["heatmap"])
    assert heat.size == (WIDTH, HEIGHT) and heat.mode == "RGB"


def test_a_changed_region_lowers_the_score_and_is_located(client):
    changed = scene()
    ImageDraw.Draw(changed).rectangle((50, 30, 69, 39), fill=(255, 0, 255))  # 20 x 10 pixels
    body = compare(client, encode(scene()), encode(changed))
    assert 0.5 < body["ssim"] < 0.98
    assert body["changed_region"] == {"x": 50, "y": 30, "width": 20, "height": 10}
    assert 190 <= body["changed_pixels"] <= 200  # all 200 but those whose old colour was already close
    assert body["diff_ratio"] == round(body["changed_pixels"] / (WIDTH * HEIGHT), 6)
    assert body["passed"] is False
    assert body["failed"] == [
        f"ssim {body['ssim']} is below min_ssim 0.98",
        f"diff_ratio {body['diff_ratio']} is above max_diff_ratio 0.01",
    ]
    heat = decode_png(body["heatmap"]).convert("RGB")
    assert heat.size == (WIDTH, HEIGHT)
    red, green, blue = heat.getpixel((60, 35))
    assert red > 200 and blue == 0, "changed pixels are painted red to yellow"
    assert max(heat.getpixel((2, 2))) < 100, "unchanged pixels are dimmed grey"
    lenient = compare(client, encode(scene()), encode(changed), min_ssim=0.5, max_diff_ratio=0.1, heatmap=False)
    assert lenient["passed"] is True and lenient["heatmap"] is None


def test_threshold_decides_which_pixels_count_as_changed(client):
    brighter = Image.eval(scene(), lambda v: min(255, v + 12))  # every channel +12 (0.047): below the default 0.1
    body = compare(client, encode(scene()), encode(brighter))
    assert body["changed_pixels"] == 0 and body["ssim"] < 1.0
    strict = compare(client, encode(scene()), encode(brighter), threshold=0.02)
    assert strict["diff_ratio"] > 0.9


def test_settings_come_from_the_environment(client, monkeypatch):
    monkeypatch.setenv("DIFF_THRESHOLD", "0.02")
    monkeypatch.setenv("MIN_SSIM", "0.5")
    monkeypatch.setenv("MAX_DIFF_RATIO", "1")
    brighter = Image.eval(scene(), lambda v: min(255, v + 12))
    body = compare(client, encode(scene()), encode(brighter))
    assert body["criteria"] == {"threshold": 0.02, "min_ssim": 0.5, "max_diff_ratio": 1.0}
    assert body["passed"] is True
    monkeypatch.setenv("MIN_SSIM", "high")
    response = client.post("/invoke", json={"baseline": encode(scene()), "candidate": encode(scene())})
    assert response.status_code == 500
    assert response.json() == {"detail": "visual-diff: the MIN_SSIM setting must be a number from 0 to 1, not 'high'"}


def test_a_change_of_hue_at_equal_brightness_counts(client):
    green, red = scene(), scene()
    ImageDraw.Draw(green).rectangle((10, 10, 40, 30), fill=(30, 140, 60))  # luma 98
    ImageDraw.Draw(red).rectangle((10, 10, 40, 30), fill=(200, 60, 40))  # luma 99.6
    body = compare(client, encode(green), encode(red))
    assert body["ssim"] < 0.95
    assert body["changed_region"] == {"x": 10, "y": 10, "width": 31, "height": 21}


def test_jpeg_against_png_scores_high(client):
    body = compare(client, encode(scene()), encode(scene(), "JPEG", quality=95), heatmap=False)
    assert body["ssim"] > 0.9


def test_images_of_different_sizes_are_422_unless_resized(client):
    small = scene().resize((40, 30))
    response = client.post("/invoke", json={"baseline": encode(scene()), "candidate": encode(small)})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "visual-diff: 'candidate' is 40x30 but 'baseline' is 80x60; send images of the same size, or set 'resize' to true"
    )
    body = compare(client, encode(scene()), encode(small), resize=True)
    assert body["resized"] is True and (body["width"], body["height"]) == (WIDTH, HEIGHT)
    assert decode_png(body["heatmap"]).size == (WIDTH, HEIGHT)


def test_transparency_is_composited_on_white(client):
    transparent = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    white = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    body = compare(client, encode(transparent), encode(white))
    assert body["ssim"] == 1.0 and body["changed_pixels"] == 0


def test_data_urls_and_wrapped_base64_are_accepted(client):
    data = encode(scene())
    wrapped = "\n".join(data[i: i + 76] for i in range(0, len(data), 76))
    body = compare(client, "data:image/png;base64," + data, wrapped)
    assert body["ssim"] == 1.0


def test_images_over_the_pixel_limit_are_422(client, monkeypatch):
    import compare as comparison

    monkeypatch.setattr(comparison, "MAX_PIXELS", 1000)
    response = client.post("/invoke", json={"baseline": encode(scene()), "candidate": encode(scene())})
    assert response.status_code == 422
    assert response.json()["detail"] == "visual-diff: 'baseline' is 80x60, over the limit of 1,000 pixels"


def test_images_too_small_for_ssim_are_422(client):
    tiny = encode(Image.new("RGB", (2, 2)))
    response = client.post("/invoke", json={"baseline": tiny, "candidate": tiny})
    assert response.status_code == 422
    assert "at least 3x3" in response.json()["detail"]


def test_lpips_is_reported_unavailable_without_its_model(client):
    body = compare(client, encode(scene()), encode(scene()), heatmap=False)
    assert body["lpips"] == {"available": False, "reason": "LPIPS needs the lpips and torch packages and the model weights"}


def test_ssim_in_stripes_equals_ssim_of_the_whole_image(monkeypatch):
    import numpy as np
    from skimage.metrics import structural_similarity

    import compare as comparison

    tall_a = np.asarray(scene().resize((WIDTH, 300)))
    tall_b = tall_a.copy()
    tall_b[100:180, 10:40] = 0
    whole = structural_similarity(tall_a, tall_b, data_range=255, channel_axis=2)
    monkeypatch.setattr(comparison, "STRIPE_PIXELS", 1)  # 32-row stripes: ten of them
    assert comparison.ssim(tall_a, tall_b) == pytest.approx(whole, abs=1e-12)
