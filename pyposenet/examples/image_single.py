"""ml5's PoseNet_image_single, in Python: one pose on a still image, runner.jpg beside this file.

Serve a folder holding this sketch and a photo named runner.jpg:
    pyposenet serve my_folder/image_single.py
"""

from pyposenet import poseNet

IMAGE = "runner.jpg"
KEYPOINT_COLOR = (255, 0, 0)
SKELETON_COLOR = (255, 255, 255)

img = None
net = None
poses = []
message = f"loading {IMAGE}…"


def setup():
    global img
    createCanvas(640, 360)
    img = loadImage(IMAGE, image_ready, image_missing)


def image_ready(loaded):
    global net, message
    resizeCanvas(loaded.width, loaded.height)  # keypoints come in the image's own pixels
    message = "loading the model…"
    options = {"minConfidence": 0.1, "inputResolution": {"width": width, "height": height}}  # like ml5's
    net = poseNet(model_ready, "single", options)
    net.on("pose", got_poses)


def image_missing(error):
    global message
    message = (
        f"{IMAGE} is missing: put a photo of a person named {IMAGE} beside image_single.py, "
        f"then serve it: pyposenet serve path/to/image_single.py"
    )
    print(message)


def model_ready():
    global message
    message = "detecting…"
    net.singlePose(img)


def got_poses(results):
    global poses
    poses = results


def draw():
    if not poses:
        background(240)
        fill(40)
        noStroke()
        textSize(14)
        text(message, 20, 30, width - 40, height - 40)
        return
    image(img, 0, 0, width, height)
    draw_skeleton()
    draw_keypoints()
    noLoop()  # one image, one pose: nothing changes any more


def draw_skeleton():
    stroke(*SKELETON_COLOR)
    strokeWeight(2)
    for result in poses:
        for part_a, part_b in result.skeleton:
            line(part_a.position.x, part_a.position.y, part_b.position.x, part_b.position.y)


def draw_keypoints():
    fill(*KEYPOINT_COLOR)
    noStroke()
    for result in poses:
        for keypoint in result.pose.keypoints:
            if keypoint.score > 0.2:
                ellipse(keypoint.position.x, keypoint.position.y, 10, 10)
