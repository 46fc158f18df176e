"""The webcam as a mirror: the picture flipped with translate/scale, keypoints flipped by poseNet."""

from pyposenet import poseNet

KEYPOINT_COLOR = (0, 255, 0)
SKELETON_COLOR = (0, 255, 0)

video = None
poses = []


def setup():
    global video
    createCanvas(640, 480)
    video = createCapture(VIDEO)
    video.size(width, height)
    video.hide()
    net = poseNet(video, {"flipHorizontal": True})  # x -> width - 1 - x
    net.on("pose", got_poses)


def got_poses(results):
    global poses
    poses = results


def draw():
    push()
    translate(width, 0)
    scale(-1, 1)  # draw the picture mirrored...
    image(video, 0, 0, width, height)
    pop()
    # ...and the keypoints as they come: already mirrored, they sit on the mirrored person
    stroke(*SKELETON_COLOR)
    strokeWeight(2)
    for result in poses:
        for part_a, part_b in result.skeleton:
            line(part_a.position.x, part_a.position.y, part_b.position.x, part_b.position.y)
    fill(*KEYPOINT_COLOR)
    noStroke()
    for result in poses:
        for keypoint in result.pose.keypoints:
            if keypoint.score > 0.2:
                ellipse(keypoint.position.x, keypoint.position.y, 10, 10)
