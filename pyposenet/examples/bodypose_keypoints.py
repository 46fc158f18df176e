"""ml5 1.x's bodyPose-keypoints example, in Python: every keypoint bodyPose finds on the webcam, in green.

bodyPose() with no model runs PoseNet here, the best model available offline (docs/bodypose.md).
"""

from pyposenet import ml5

KEYPOINT_COLOR = (0, 255, 0)

video = None
body_pose = None
poses = []


def preload():
    global body_pose
    body_pose = ml5.bodyPose()  # setup() waits for the model, as in ml5 1.x


def setup():
    global video
    createCanvas(640, 480)
    video = createCapture(VIDEO)
    video.size(640, 480)
    video.hide()
    body_pose.detectStart(video, got_poses)  # start detecting poses in the webcam video


def draw():
    image(video, 0, 0, width, height)
    for pose in poses:
        for keypoint in pose.keypoints:
            if keypoint.confidence > 0.1:  # only the confident ones
                fill(*KEYPOINT_COLOR)
                noStroke()
                circle(keypoint.x, keypoint.y, 10)


def got_poses(results):
    global poses
    poses = results
