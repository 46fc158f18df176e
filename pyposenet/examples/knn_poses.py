"""ml5's KNNClassification_PoseNet, in Python: teach it two poses with the keyboard, then it names them live.

Strike a pose and hold A down for a moment: every pose seen meanwhile becomes an example of "A". Strike
another and hold B. From then on the top of the picture says which of the two it sees, and how sure it is.
C clears the examples; S saves them as myKNN.json (a download, in ml5's format: ml5's JavaScript loads it
too); L loads myKNN.json from beside this sketch.
"""

from pyposenet import ml5, poseFeatures

KEYS = {"a": "A", "b": "B"}  # key held -> the label its poses teach
MIN_POSE_SCORE = 0.2  # below this nobody is really there: nothing to learn or name

knn = ml5.KNNClassifier()
video = None
poses = []
label = ""  # the label of the latest pose
confidence = 0.0


def setup():
    global video
    createCanvas(640, 480)
    video = createCapture(VIDEO)
    video.size(width, height)
    video.hide()
    net = ml5.poseNet(video, "single")
    net.on("pose", got_poses)


def features_of(result):
    # body-relative: the same pose anywhere in the picture, near or far, gives the same numbers
    return poseFeatures(result, bodyRelative=True)


def got_poses(results):
    global poses, label, confidence
    poses = results
    if not results or results[0].pose.score < MIN_POSE_SCORE:
        return
    features = features_of(results[0])
    held = key.lower() if keyIsPressed and isinstance(key, str) else None
    if held in KEYS:
        knn.addExample(features, KEYS[held])
    if knn.getNumLabels() > 0:
        result = knn.classify(features)
        label = result.label
        confidence = result.confidencesByLabel[label]


def keyPressed():
    global label
    if key in ("c", "C"):
        knn.clearAllLabels()
        label = ""
    elif key in ("s", "S") and knn.getNumLabels() > 0:
        knn.save("myKNN")
    elif key in ("l", "L"):
        knn.load("myKNN.json", lambda: print("loaded", knn.getCountByLabel()))


def draw():
    image(video, 0, 0, width, height)
    for result in poses:
        for keypoint in result.pose.keypoints:
            if keypoint.score > 0.2:
                fill(0, 255, 0)
                noStroke()
                ellipse(keypoint.position.x, keypoint.position.y, 8, 8)
    counts = knn.getCountByLabel()
    fill(0, 0, 0, 170)
    noStroke()
    rect(0, 0, width, 70)
    fill(255)
    textSize(16)
    text(f"examples: A {counts.get('A', 0)}, B {counts.get('B', 0)} (hold A or B in a pose; C clears, S saves)", 10, 22)
    if label:
        textSize(32)
        text(f"{label}  {confidence:.0%}", 10, 58)
