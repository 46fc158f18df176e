"""Classifying poses, ml5's way, in pure Python (the page and CPython alike): pose features and KNNClassifier.

features.py        pose_features / poseFeatures: a pose as 34 numbers, as given or body-relative
knn.py             KNNClassifier: ml5's names, arguments and results
ml5_knn_format.py  ml5's KNNClassifier JSON file: what save() writes and load() reads
files.py           where save() and load() go: this computer, or the page (pyposenet/_browser/classify_files.py)
"""

from .features import FEATURE_COUNT, FEATURE_NAMES, pose_features, poseFeatures
from .knn import ClassifyResult, KNNClassifier
from .ml5_knn_format import NotKNNFormatError

__all__ = [
    "FEATURE_COUNT",
    "FEATURE_NAMES",
    "ClassifyResult",
    "KNNClassifier",
    "NotKNNFormatError",
    "poseFeatures",
    "pose_features",
]
