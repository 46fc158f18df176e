"""Step 3 of The Coding Train's "Pose Classification with PoseNet and ml5.neuralNetwork()" (ml5's
NeuralNetwork_pose_classifier, classification), in Python: name your pose live.

Put the three files step 2 saved (train_poses.py, or neuralNetwork's save() under CPython) beside this sketch:
model.json, model_meta.json, model.weights.bin. The label of the pose it sees is drawn large over the video.
"""

from pyposenet import ml5, poseFeatures

BODY_RELATIVE = True  # as collect_poses.py collected them
MIN_CONFIDENCE = 0.75  # a less sure answer keeps the label shown

video = None
pose_net = None
pose = None
skeleton = None
brain = None
brain_ready = False
pose_label = ""


def setup():
    global video, pose_net, brain
    createCanvas(640, 480)
    video = createCapture(VIDEO)
    video.size(width, height)
    video.hide()
    pose_net = ml5.poseNet(video, model_loaded)
    pose_net.on("pose", got_poses)

    options = {"inputs": 34, "outputs": 2, "task": "classification"}
    brain = ml5.neuralNetwork(options)
    model_info = {
        "model": "model.json",
        "metadata": "model_meta.json",
        "weights": "model.weights.bin",
    }
    brain.load(model_info, brain_loaded)


def brain_loaded():
    global brain_ready
    print("pose classification ready!")
    brain_ready = True


def classify_pose(result):
    # ml5's classify answers later, so the tutorial asks again from got_result; here it answers at once: each
    # new pose is classified as it comes
    inputs = poseFeatures(result, bodyRelative=BODY_RELATIVE)
    brain.classify(inputs, got_result)


def got_result(error, results):
    global pose_label
    if results[0].confidence > MIN_CONFIDENCE:
        pose_label = results[0].label.upper()


def got_poses(poses):
    global pose, skeleton
    if len(poses) > 0:
        pose = poses[0].pose
        skeleton = poses[0].skeleton
        if brain_ready and pose.score > 0.2:
            classify_pose(poses[0])


def model_loaded():
    print("poseNet ready")


def draw():
    push()
    translate(width, 0)  # a mirror, as the tutorial draws it
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

    fill(255, 0, 255)
    noStroke()
    textSize(256)
    textAlign(CENTER, CENTER)
    text(pose_label, width / 2, height / 2)
