"""Step 1 of The Coding Train's "Pose Classification with PoseNet and ml5.neuralNetwork()" (ml5's
NeuralNetwork_pose_classifier, data collection), in Python: collect labelled poses.

Press A and strike a pose: after a 3 s countdown every pose seen for 5 s becomes an example of "A". Then B for
another pose (again for more). S saves them all as poses.json (a download, ml5's {"data": [{"xs", "ys"}]} format):
put it beside train_poses.py (step 2), then the model it saves beside classify_poses.py (step 3).
"""

from pyposenet import ml5
from pyposenet.classify import PoseCollector

LABELS = {"a": "A", "b": "B"}  # key -> the label of the poses it collects
BODY_RELATIVE = True  # the same pose wherever you stand (docs/classify.md); classify_poses.py must agree

video = None
pose_net = None
pose = None
skeleton = None
brain = None
collector = None


def setup():
    global video, pose_net, brain, collector
    createCanvas(640, 480)
    video = createCapture(VIDEO)
    video.size(width, height)
    video.hide()
    pose_net = ml5.poseNet(video, model_loaded)
    pose_net.on("pose", got_poses)

    options = {"inputs": 34, "outputs": 2, "task": "classification"}
    brain = ml5.neuralNetwork(options)
    # the tutorial's setTimeout()s in keyPressed(), and its state: countdown, then collecting
    collector = PoseCollector(brain, keys=LABELS, countdown=3, seconds=5, minPoseScore=0.2, bodyRelative=BODY_RELATIVE)


def keyPressed():
    if key in ("s", "S"):
        brain.saveData("poses")
    else:
        collector.keyPressed(key)


def got_poses(poses):
    global pose, skeleton
    if len(poses) > 0:
        pose = poses[0].pose
        skeleton = poses[0].skeleton
        collector.add(poses[0])  # while collecting: brain.addData(poseFeatures(pose), [label])


def model_loaded():
    print("poseNet ready")


def draw():
    push()
    translate(width, 0)  # a mirror, as the tutorial draws it (the poses themselves are not mirrored)
    scale(-1, 1)
    image(video, 0, 0, width, height)
    if pose:
        for a, b in skeleton:
            strokeWeight(2)
            stroke(0)
            line(a.position.x, a.position.y, b.position.x, b.position.y)
        for keypoint in pose.keypoints:
            fill(0)
            stroke(255)
            ellipse(keypoint.position.x, keypoint.position.y, 16, 16)
    pop()
    collector.draw()  # the label, the countdown and the poses collected per label
