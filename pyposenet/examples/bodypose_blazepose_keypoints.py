"""ml5 1.x's bodyPose-blazePose-keypoints example, in Python: BlazePose's 33 keypoints on the webcam, in green.

BlazePose runs in the page (MediaPipe's solution, served by this app; docs/bodypose.md). Each pose also has
`keypoints3D`: the same 33 points in metres, origin between the hips.
"""

from pyposenet import ml5

KEYPOINT_COLOR = (0, 255, 0)

video = None
body_pose = None
poses = []


def preload():
    global body_pose
    body_pose = ml5.bodyPose("BlazePose")  # setup() waits for the model, as in ml5 1.x


def setup():
    global video
    createCanvas(640, 480)
    video = createCapture(VIDEO)
    video.size(640, 480)
    video.hide()
    body_pose.detectStart(video, got_poses)  # start detecting poses in the webcam video


def draw():
    image(video, 0, 0, width, height)
    for pose in poses:  # draw all the tracked landmark points
        for keypoint in pose.keypoints:
            fill(*KEYPOINT_COLOR)
            noStroke()
            circle(keypoint.x, keypoint.y, 10)


def got_poses(results):
    global poses
    poses = results
