"""ml5's PoseNet webcam example, in Python: the camera, every keypoint and the skeleton."""

from pyposenet import poseNet

video = None
poses = []


def setup():
    global video
    createCanvas(640, 480)
    video = createCapture(VIDEO)
    video.size(width, height)
    net = poseNet(video, model_ready)
    net.on("pose", got_poses)
    video.hide()


def model_ready():
    print("Model loaded")


def got_poses(results):
    global poses
    poses = results


def draw():
    image(video, 0, 0, width, height)
    draw_keypoints()
    draw_skeleton()


def draw_keypoints():
    for result in poses:
        for keypoint in result.pose.keypoints:
            if keypoint.score > 0.2:
                fill(255, 0, 0)
                noStroke()
                ellipse(keypoint.position.x, keypoint.position.y, 10, 10)


def draw_skeleton():
    for result in poses:
        for part_a, part_b in result.skeleton:
            stroke(255, 0, 0)
            line(part_a.position.x, part_a.position.y, part_b.position.x, part_b.position.y)
