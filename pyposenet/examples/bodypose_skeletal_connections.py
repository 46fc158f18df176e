"""ml5 1.x's bodyPose-skeletal-connections example, in Python: the skeleton in red, the keypoints in green.

`getConnections()` gives the skeleton as pairs of keypoint indices (pose-detection's COCO pairs).
"""

from pyposenet import ml5

KEYPOINT_COLOR = (0, 255, 0)
CONNECTION_COLOR = (255, 0, 0)

video = None
body_pose = None
poses = []
connections = []


def preload():
    global body_pose
    body_pose = ml5.bodyPose()


def setup():
    global video, connections
    createCanvas(640, 480)
    video = createCapture(VIDEO)
    video.size(640, 480)
    video.hide()
    body_pose.detectStart(video, got_poses)
    connections = body_pose.getConnections()  # the skeleton: [[0, 1], [0, 2], ...]


def draw():
    image(video, 0, 0, width, height)
    for pose in poses:  # the skeleton connections
        for index_a, index_b in connections:
            point_a = pose.keypoints[index_a]
            point_b = pose.keypoints[index_b]
            if point_a.confidence > 0.1 and point_b.confidence > 0.1:  # both ends confident enough
                stroke(*CONNECTION_COLOR)
                strokeWeight(2)
                line(point_a.x, point_a.y, point_b.x, point_b.y)
    for pose in poses:  # every keypoint
        for keypoint in pose.keypoints:
            if keypoint.confidence > 0.1:
                fill(*KEYPOINT_COLOR)
                noStroke()
                circle(keypoint.x, keypoint.y, 10)


def got_poses(results):
    global poses
    poses = results
