"""Step 2 of The Coding Train's "Pose Classification with PoseNet and ml5.neuralNetwork()" (ml5's
NeuralNetwork_pose_classifier training sketch), in Python: train a neural network on the poses collected in step 1.

Put the data file step 1 saved beside this sketch as poses.json (ml5's {"data": [{"xs": ..., "ys": ...}]}: 34
numbers per pose, a label each). The network trains in the page, 50 epochs, its loss drawn below the canvas
(debug); then it downloads model.json, model.weights.bin and model_meta.json: put them beside step 3's sketch.
"""

from pyposenet import ml5

DATA_FILE = "poses.json"
EPOCHS = 50

brain = None
epoch = 0  # epochs done so far
loss = None
trained = False


def setup():
    global brain
    createCanvas(640, 200)
    options = {"inputs": 34, "outputs": 2, "task": "classification", "debug": True}
    brain = ml5.neuralNetwork(options)
    brain.loadData(DATA_FILE, data_ready)


def data_ready():
    brain.normalizeData()
    brain.train({"epochs": EPOCHS}, while_training, finished)


def while_training(epoch_done, logs):
    global epoch, loss
    epoch, loss = epoch_done + 1, logs.loss


def finished():
    global trained
    trained = True
    print("model trained")
    brain.save()


def draw():
    background(240)
    fill(0)
    textSize(20)
    if trained:
        message = "trained: model.json, model.weights.bin and model_meta.json downloaded"
    elif loss is None:
        message = f"loading {DATA_FILE}…"
    else:
        message = f"training: epoch {epoch} of {EPOCHS}, loss {loss:.4f}"
    text(message, 20, 40)
    # a dot that moves every frame: draw() keeps running while the network trains
    fill(0, 120, 255)
    circle(20 + frameCount * 4 % (width - 40), 120, 16)
