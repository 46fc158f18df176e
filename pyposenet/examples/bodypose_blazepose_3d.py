"""BlazePose's 3D landmarks as a turning stick figure: bodyPose("BlazePose") and p5's WEBGL mode.

Each pose's `keypoints3D` are the same 33 points as its `keypoints`, in metres with the origin between the hips
(y down, as in p5's WEBGL mode; z towards the camera is negative). Here 1 m is SCALE pixels and the figure turns
about its vertical axis, so its depth shows: the bones (getSkeleton()'s pairs) in red, the joints in green.
"""

from pyposenet import ml5

SCALE = 200  # pixels per metre
TURN = 0.02  # radians per frame
BONE_COLOR = (255, 0, 0)
JOINT_COLOR = (0, 255, 0)

video = None
body_pose = None
poses = []
connections = []


def preload():
    global body_pose
    body_pose = ml5.bodyPose("BlazePose")  # setup() waits for the model


def setup():
    global video, connections
    createCanvas(640, 480, WEBGL)  # origin at the centre: the hips' midpoint is drawn there
    video = createCapture(VIDEO)
    video.size(640, 480)
    video.hide()
    connections = body_pose.getSkeleton()
    body_pose.detectStart(video, got_poses)


def draw():
    background(0)
    rotateY(frameCount * TURN)
    for pose in poses:
        points = [(p.x * SCALE, p.y * SCALE, p.z * SCALE) for p in pose.keypoints3D]
        stroke(*BONE_COLOR)
        strokeWeight(4)
        for a, b in connections:
            line(*points[a], *points[b])
        stroke(*JOINT_COLOR)
        strokeWeight(10)
        for x, y, z in points:
            point(x, y, z)


def got_poses(results):
    global poses
    poses = results
