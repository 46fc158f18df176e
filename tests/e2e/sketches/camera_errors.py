"""A webcam sketch that records what the net tells it, for the camera-fault tests."""

from pyposenet import poseNet

errors = []
poses = []
draws = 0


def setup():
    global video, net
    createCanvas(160, 120)
    video = createCapture(VIDEO)
    video.size(160, 120)
    video.hide()
    net = poseNet(video)
    net.on("error", lambda err: errors.append(f"{type(err).__name__}: {err}"))
    net.on("pose", lambda results: poses.append(len(results)))


def draw():
    global draws
    draws += 1
    background(200)
