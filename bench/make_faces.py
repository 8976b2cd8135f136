"""Write a synthetic stand-in for CelebA: N face-like 178x218 JPEGs and ``list_attr_celeba.txt``.

CelebA cannot be downloaded here, so the scale benchmarks and tests use this instead. Each
image is a smooth two-colour gradient background, a few soft random ellipses, and a blurred
face-like blob (face oval, hair, eyes, mouth; optional glasses) whose look follows some of
its 40 binary attributes (Male, Smiling, Eyeglasses, Blond_Hair, ...). The layout mirrors
CelebA's, so ``--dataset OUT/img_align_celeba`` finds the attribute file next to it:

    OUT/img_align_celeba/000001.jpg ... (178 wide, 218 high, JPEG quality 90)
    OUT/list_attr_celeba.txt             (count line, 40 names, ``000001.jpg -1  1 ...`` rows)
    OUT/standin.json                     (n, seed: lets benchmarks reuse a finished set)

Every image depends only on (seed, index), so the output is the same for any number of
worker processes. Usage: ``python bench/make_faces.py [--n 20000] [--out DIR] [--seed 0]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 178, 218
IMAGE_DIR = "img_align_celeba"
ATTR_FILE = "list_attr_celeba.txt"
MARKER = "standin.json"
_NAMES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose "
    "Black_Hair Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee "
    "Gray_Hair Heavy_Makeup High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes "
    "No_Beard Oval_Face Pale_Skin Pointy_Nose Receding_Hairline Rosy_Cheeks Sideburns Smiling "
    "Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat Wearing_Lipstick Wearing_Necklace "
    "Wearing_Necktie Young"
)
ATTRIBUTES = _NAMES.split()
# Rough CelebA frequencies of the 40 attributes (used to draw the random labels).
FREQUENCIES = np.array(
    [0.11, 0.27, 0.51, 0.2, 0.02, 0.15, 0.24, 0.23, 0.24, 0.15, 0.05, 0.21, 0.14, 0.06, 0.05,
     0.07, 0.05, 0.04, 0.38, 0.45, 0.42, 0.48, 0.04, 0.12, 0.83, 0.28, 0.04, 0.28, 0.08, 0.07,
     0.06, 0.48, 0.21, 0.32, 0.19, 0.05, 0.47, 0.12, 0.07, 0.77]
)  # fmt: skip
A = {name: i for i, name in enumerate(ATTRIBUTES)}


def attributes(seed: int, index: int) -> np.ndarray:
    """The 40 attributes of image ``index`` as 0/1 (deterministic in ``seed``, ``index``)."""
    rng = np.random.default_rng([seed, index, 1])
    return (rng.random(len(ATTRIBUTES)) < FREQUENCIES).astype(np.int8)


def _gradient(rng: np.random.Generator) -> np.ndarray:
    """A smooth two-colour linear gradient in a random direction, (HEIGHT, WIDTH, 3) uint8."""
    angle = rng.uniform(0, 2 * np.pi)
    xx = np.arange(WIDTH, dtype=np.float32) * np.float32(np.cos(angle) / WIDTH / 2)
    yy = np.arange(HEIGHT, dtype=np.float32) * np.float32(np.sin(angle) / HEIGHT / 2)
    t = yy[:, None, None] + xx[None, :, None] + np.float32(0.5)
    a, b = rng.uniform(0, 255, 3).astype(np.float32), rng.uniform(0, 255, 3).astype(np.float32)
    return np.clip(a + (b - a) * t, 0, 255).astype(np.uint8)


def _colour(rng: np.random.Generator, base, spread: float = 25.0) -> tuple[int, int, int]:
    c = np.clip(np.asarray(base, dtype=float) + rng.normal(0, spread, 3), 0, 255)
    return tuple(int(v) for v in c)


def render(seed: int, index: int) -> tuple[Image.Image, np.ndarray]:
    """Image ``index`` (178x218 RGB) and its attributes."""
    attr = attributes(seed, index)
    rng = np.random.default_rng([seed, index, 2])
    im = Image.fromarray(_gradient(rng))
    draw = ImageDraw.Draw(im)
    for _ in range(int(rng.integers(2, 6))):  # soft background shapes
        x, y = rng.uniform(-40, WIDTH), rng.uniform(-40, HEIGHT)
        w, h = rng.uniform(20, 120, 2)
        draw.ellipse((x, y, x + w, y + h), fill=_colour(rng, rng.uniform(0, 255, 3), 0))
    im = im.filter(ImageFilter.GaussianBlur(6))
    draw = ImageDraw.Draw(im)
    cx, cy = WIDTH / 2 + rng.normal(0, 6), HEIGHT / 2 + rng.normal(0, 6)
    fw = rng.uniform(34, 44) * (1.1 if attr[A["Chubby"]] else 1.0)
    fh = fw * rng.uniform(1.2, 1.4)
    if attr[A["Blond_Hair"]]:
        hair = (220, 190, 110)
    elif attr[A["Gray_Hair"]]:
        hair = (170, 170, 170)
    elif attr[A["Black_Hair"]]:
        hair = (30, 25, 25)
    else:
        hair = (110, 70, 40)
    if not attr[A["Bald"]]:
        draw.ellipse(
            (cx - fw - 10, cy - fh - 14, cx + fw + 10, cy + fh * 0.6), fill=_colour(rng, hair)
        )
    skin = (
        (235, 210, 190)
        if attr[A["Pale_Skin"]]
        else rng.choice([[225, 180, 150], [190, 140, 110], [140, 100, 75]])
    )
    draw.ellipse((cx - fw, cy - fh, cx + fw, cy + fh), fill=_colour(rng, skin, 12))
    ey, ex = cy - fh * 0.2, fw * 0.42
    eye_h = 3 if attr[A["Narrow_Eyes"]] else 5
    for sx in (-1, 1):
        draw.ellipse(
            (cx + sx * ex - 7, ey - eye_h, cx + sx * ex + 7, ey + eye_h), fill=(250, 250, 250)
        )
        draw.ellipse((cx + sx * ex - 3, ey - 3, cx + sx * ex + 3, ey + 3), fill=(40, 30, 30))
        if attr[A["Eyeglasses"]]:
            draw.ellipse(
                (cx + sx * ex - 12, ey - 10, cx + sx * ex + 12, ey + 10),
                outline=(20, 20, 20),
                width=2,
            )
    my, mw = cy + fh * 0.5, fw * (0.5 if attr[A["Smiling"]] else 0.35)
    lips = (200, 40, 60) if attr[A["Wearing_Lipstick"]] else (170, 90, 90)
    if attr[A["Smiling"]]:
        draw.chord((cx - mw, my - 10, cx + mw, my + 8), 0, 180, fill=lips)
    else:
        draw.ellipse((cx - mw, my - 3, cx + mw, my + 3), fill=lips)
    if attr[A["Male"]] and not attr[A["No_Beard"]]:
        draw.chord(
            (cx - fw * 0.8, cy + fh * 0.2, cx + fw * 0.8, cy + fh), 0, 180, fill=_colour(rng, hair)
        )
    im = im.filter(
        ImageFilter.GaussianBlur(float(rng.uniform(0.8, 2.0)) * (3 if attr[A["Blurry"]] else 1))
    )
    noise = rng.integers(-6, 7, (HEIGHT, WIDTH, 3), dtype=np.int16)  # sensor-like grain
    arr = np.clip(np.asarray(im).astype(np.int16) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(arr), attr


def file_name(index: int) -> str:
    return f"{index + 1:06d}.jpg"


def _write_range(job: tuple[str, int, int, int]) -> int:
    folder, seed, start, stop = job
    for i in range(start, stop):
        im, _ = render(seed, i)
        im.save(os.path.join(folder, file_name(i)), quality=90)
    return stop - start


def attribute_text(n: int, seed: int) -> str:
    """``list_attr_celeba.txt`` for ``n`` images, in CelebA's layout."""
    lines = [str(n), " ".join(ATTRIBUTES)]
    for i in range(n):
        values = " ".join(f"{1 if v else -1:2d}" for v in attributes(seed, i))
        lines.append(f"{file_name(i)} {values}")
    return "\n".join(lines) + "\n"


def is_complete(out: Path, n: int, seed: int) -> bool:
    """True if ``out`` holds a finished stand-in of ``n`` images made with ``seed``."""
    try:
        info = json.loads((Path(out) / MARKER).read_text())
    except (OSError, ValueError):
        return False
    return info.get("n") == n and info.get("seed") == seed


def make_faces(out: str | Path, n: int = 20000, seed: int = 0, workers: int | None = None) -> Path:
    """Write the stand-in into ``out`` (reused if already complete); returns the image folder."""
    out = Path(out)
    images = out / IMAGE_DIR
    if is_complete(out, n, seed):
        return images
    (out / MARKER).unlink(missing_ok=True)
    images.mkdir(parents=True, exist_ok=True)
    for stale in images.glob("*.jpg"):  # a different n or seed: start afresh
        if int(stale.stem) > n:
            stale.unlink()
    workers = workers or min(os.cpu_count() or 1, 8)
    chunk = max(1, min(500, -(-n // (workers * 4))))
    jobs = [(str(images), seed, s, min(s + chunk, n)) for s in range(0, n, chunk)]
    if workers > 1 and len(jobs) > 1:
        with Pool(workers) as pool:
            for _ in pool.imap_unordered(_write_range, jobs):
                pass
    else:
        for job in jobs:
            _write_range(job)
    (out / ATTR_FILE).write_text(attribute_text(n, seed))
    (out / MARKER).write_text(json.dumps({"n": n, "seed": seed, "size": [WIDTH, HEIGHT]}))
    return images


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="number of images (20000)")
    parser.add_argument("--out", default="faces", help="output folder (./faces)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None, help="processes (all cores)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    start = time.perf_counter()
    folder = make_faces(args.out, args.n, args.seed, args.workers)
    seconds = time.perf_counter() - start
    print(f"{args.n} stand-in faces in {folder} ({seconds:.1f} s, {args.n / seconds:.0f} images/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
