"""Several people at once, each in a colour of their own: keypoints and skeleton."""

from pyposenet import poseNet

COLORS = [(255, 0, 0), (0, 200, 255), (255, 220, 0), (0, 255, 0), (255, 0, 255)]
MIN_POSE_SCORE = 0.15  # fainter poses are mostly echoes of someone already found

video = None
poses = []


def setup():
    global video
    createCanvas(640, 480)
    video = createCapture(VIDEO)
    video.size(width, height)
    video.hide()
    net = poseNet(video, "multiple", {"maxPoseDetections": len(COLORS), "scoreThreshold": 0.3})
    net.on("pose", got_poses)


def got_poses(results):
    global poses
    poses = [result for result in results if result.pose.score >= MIN_POSE_SCORE]


def color_of(index):
    return COLORS[index % len(COLORS)]


def draw():
    image(video, 0, 0, width, height)
    for index, result in enumerate(poses):
        color = color_of(index)
        stroke(*color)
        strokeWeight(3)
        for part_a, part_b in result.skeleton:
            line(part_a.position.x, part_a.position.y, part_b.position.x, part_b.position.y)
        fill(*color)
        noStroke()
        for keypoint in result.pose.keypoints:
            if keypoint.score > 0.2:
                ellipse(keypoint.position.x, keypoint.position.y, 12, 12)
