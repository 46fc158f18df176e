"""ml5's PoseNet part selection, in Python: a red circle follows your nose."""

from pyposenet import poseNet

NOSE_COLOR = (255, 0, 0)

video = None
nose_x = None
nose_y = None


def setup():
    global video
    createCanvas(640, 480)
    video = createCapture(VIDEO)
    video.size(width, height)
    video.hide()
    net = poseNet(video, "single")
    net.on("pose", got_poses)


def got_poses(results):
    global nose_x, nose_y
    if not results:
        return
    nose = results[0].pose.nose  # one part, by name (or results[0].pose.keypoints[0])
    if nose.confidence < 0.2:
        return
    if nose_x is None:
        nose_x, nose_y = nose.x, nose.y
    else:  # glide halfway each time: steadier than the raw points
        nose_x = lerp(nose_x, nose.x, 0.5)
        nose_y = lerp(nose_y, nose.y, 0.5)


def draw():
    image(video, 0, 0, width, height)
    if nose_x is not None:
        fill(*NOSE_COLOR)
        noStroke()
        ellipse(nose_x, nose_y, 50, 50)
