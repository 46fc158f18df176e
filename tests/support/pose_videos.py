"""Fake-camera videos of two clearly different poses, made at run time from the shared test images.

Chromium's fake camera plays an MJPEG file (concatenated JPEG frames, at 30 frames a second, looping). A video
here is segments; each shows one person, cut from a shared photo, on a grey background, gliding across the
picture and growing or shrinking as it goes (a new picture every other frame). A marker in the top-left
corner says, in three squares, which pose the frame shows, whether its segment is for training or for
testing, and whether the frame is steady: more than STEADY_MARGIN frames from either end of its segment (a
pose takes a moment from camera to result: a test acts only on steady frames). `read_marker` reads it back.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from tests.conftest import TESTDATA_DIR

FRAME_SIZE = (640, 480)
FPS = 30  # Chromium's fake camera plays MJPEG at 30 frames a second
STEADY_MARGIN = 15  # frames: 0.5 s
REPEAT = 2  # each picture is shown for this many frames
BACKGROUND = (128, 128, 128)
MARKER_SQUARE = 24
TOP_MARGIN = 40  # the marker's band: no person there


@dataclass(frozen=True)
class PoseSource:
    image: Path
    box: tuple[int, int, int, int]  # the person, in the image: left, top, right, bottom


#: Warrior II on a beach (pose.jpg), and a sprinter's start (runner.jpg).
POSES = {
    "A": PoseSource(TESTDATA_DIR / "images" / "pose.jpg", (180, 190, 820, 667)),
    "B": PoseSource(TESTDATA_DIR / "images" / "runner.jpg", (240, 100, 500, 330)),
}
MARKER_COLOURS = {"A": (255, 0, 0), "B": (0, 0, 255)}


@dataclass(frozen=True)
class Segment:
    pose: str  # a key of POSES
    phase: str  # "train" or "test"
    frames: int
    height: tuple[int, int]  # the person's height in pixels at the segment's start and end
    across: tuple[float, float]  # where the person is, 0 (left) .. 1 (right) of the free width, start and end
    down: tuple[float, float]  # likewise, top .. bottom of the free height


#: Trained on the left, small (1 s steady each); tested on the right, larger and moving the other way (2 s steady
#: each): frames never trained on. 10 s in all.
TRAIN_THEN_TEST = (
    Segment("A", "train", 60, (300, 330), (0.05, 0.35), (0.2, 0.6)),
    Segment("B", "train", 60, (300, 330), (0.05, 0.35), (0.6, 0.2)),
    Segment("A", "test", 90, (420, 380), (0.95, 0.6), (0.9, 0.4)),
    Segment("B", "test", 90, (400, 370), (0.95, 0.6), (0.4, 0.9)),
)

#: Two videos for collecting with a countdown (collect_poses.py) and classifying (classify_poses.py), each played from
#: its first frame by a browser of its own. Collecting: each pose long enough for a key pressed as it starts, a
#: countdown of COLLECT_COUNTDOWN_S and COLLECT_SECONDS of collecting, and a moment to spare for the pose results'
#: lag (6 s in all). Classifying: TRAIN_THEN_TEST's test segments, a little longer (7 s).
COLLECT_COUNTDOWN_S, COLLECT_SECONDS = 1.0, 1.5
COLLECT_POSES = (
    Segment("A", "train", 90, (280, 340), (0.05, 0.4), (0.2, 0.7)),
    Segment("B", "train", 90, (280, 340), (0.05, 0.4), (0.7, 0.2)),
)
CLASSIFY_POSES = (
    Segment("A", "test", 105, (420, 380), (0.95, 0.6), (0.9, 0.4)),
    Segment("B", "test", 105, (400, 370), (0.95, 0.6), (0.4, 0.9)),
)


def _lerp(ends: tuple[float, float], t: float) -> float:
    return ends[0] + (ends[1] - ends[0]) * t


def _marker(frame: Image.Image, segment: Segment, steady: bool) -> None:
    white, black = (255, 255, 255), (0, 0, 0)
    colours = (MARKER_COLOURS[segment.pose], white if segment.phase == "train" else black, white if steady else black)
    for i, colour in enumerate(colours):
        frame.paste(colour, (i * MARKER_SQUARE, 0, (i + 1) * MARKER_SQUARE, MARKER_SQUARE))


def _jpeg(frame: Image.Image, segment: Segment, steady: bool, quality: int) -> bytes:
    _marker(frame, segment, steady)
    buffer = io.BytesIO()
    frame.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def write_pose_video(path: Path, segments=TRAIN_THEN_TEST, quality: int = 85) -> Path:
    """An MJPEG file of `segments` for Chromium's fake camera."""
    people = {name: Image.open(source.image).convert("RGB").crop(source.box) for name, source in POSES.items()}
    width, height = FRAME_SIZE
    with path.open("wb") as out:
        for segment in segments:
            person = people[segment.pose]
            for index in range(0, segment.frames, REPEAT):
                t = index / (segment.frames - 1)
                tall = round(_lerp(segment.height, t))
                wide = round(person.width * tall / person.height)
                scaled = person.resize((wide, tall), Image.Resampling.BILINEAR)
                left = round(_lerp(segment.across, t) * (width - wide))
                top = TOP_MARGIN + round(_lerp(segment.down, t) * (height - TOP_MARGIN - tall))
                frame = Image.new("RGB", FRAME_SIZE, BACKGROUND)
                frame.paste(scaled, (left, top))
                encoded: dict[bool, bytes] = {}  # the picture with a steady or an unsteady marker
                for shown in range(index, min(index + REPEAT, segment.frames)):
                    steady = STEADY_MARGIN <= shown < segment.frames - STEADY_MARGIN
                    if steady not in encoded:
                        encoded[steady] = _jpeg(frame, segment, steady, quality)
                    out.write(encoded[steady])
    return path


@dataclass(frozen=True)
class Marker:
    pose: str | None  # None: not a marker's colour (the camera has not started)
    phase: str
    steady: bool


def read_marker(pixels: list[list[int]]) -> Marker:
    """The marker from the RGB of its three squares' centres (JPEG blurs colours a little)."""
    (r, g, b), phase, steady = pixels
    pose = "A" if r > 180 and b < 80 else "B" if b > 180 and r < 80 else None
    return Marker(pose, "train" if sum(phase) > 380 else "test", sum(steady) > 380)


#: JavaScript for page.evaluate(READ_MARKER_JS, [MARKER_SQUARE, FRAME_SIZE[0]]): the RGB at the centres of the
#: marker's squares in the page's <video> (null before the camera's first frame).
READ_MARKER_JS = """([square, frameWidth]) => {
    const video = document.querySelector('video');
    if (!video || video.videoWidth === 0) return null;
    const canvas = document.createElement('canvas');
    canvas.width = 3 * square; canvas.height = square;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const scale = video.videoWidth / frameWidth;
    ctx.drawImage(video, 0, 0, 3 * square * scale, square * scale, 0, 0, 3 * square, square);
    const at = (i) => Array.from(ctx.getImageData(i * square + square / 2, square / 2, 1, 1).data.slice(0, 3));
    return [at(0), at(1), at(2)];
}"""
