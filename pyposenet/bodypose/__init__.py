"""ml5 1.x's `bodyPose()` beside ml5 0.x's `poseNet()`: the same API and results, on the models that run here.

`pyposenet.bodyPose(model?, options?, callback?)` (and `ml5.bodyPose`) makes a `BodyPose`. The files:
  models.py     model names, the default, why MoveNet does not run
  options.py    ml5 1.x's options and the poseNet options they become
  arguments.py  ml5 1.x's argument forms
  body_pose.py  BodyPose: detectStart / detectStop / detect / getConnections, on a PoseNet net
  results.py    poseNet's results in bodyPose's shape (box, confidence, keypoints with names)
  keypoints.py  pose-detection's COCO keypoint names and skeleton pairs
  preload.py    holding p5's preload until the model is ready, as ml5 1.x does
BlazePose (MediaPipe's solution on the page's thread, web/blazepose.js; under CPython mediapipe's wheel):
  blazepose_options.py    its options (modelType, enableSmoothing, flipped) and what it refuses
  blazepose_engine.py     the seam to the solution (BlazePoseEngine), and which engine runs where
  blazepose_page.py       the page's engine: one solution per page, shared by every instance
  blazepose_host.py       CPython's engine: mediapipe's legacy Pose solution (the blazepose extra), full only
  blazepose_detect.py     BlazePose behind `pyposenet detect --model blazepose`
  blazepose_results.py    its landmarks in ml5 1.x's shape (33 keypoints, keypoints3D in metres)
  blazepose_keypoints.py  its 33 names and skeleton pairs; the COCO keypoints among them
  blazepose_body.py       BlazePoseBody: BodyPose's API with its own detect loop
See docs/bodypose.md.
"""

from .arguments import sort_model_arguments
from .body_pose import BodyPose
from .keypoints import COCO_CONNECTED_KEYPOINTS_PAIRS, COCO_KEYPOINT_NAMES
from .models import DEFAULT_MODEL, MODEL_NAMES, UnavailableModelError
from .preload import sketch_preload_counter

__all__ = [
    "BodyPose",
    "COCO_CONNECTED_KEYPOINTS_PAIRS",
    "COCO_KEYPOINT_NAMES",
    "DEFAULT_MODEL",
    "MODEL_NAMES",
    "UnavailableModelError",
    "sketch_preload_counter",
    "sort_model_arguments",
]
