"""Classifying poses, ml5's way: pose features, KNNClassifier and neuralNetwork (pure Python, the page and CPython
alike, but for neuralNetwork's network: numpy under CPython).

features.py        pose_features / poseFeatures: a pose as 34 numbers, as given or body-relative
knn.py             KNNClassifier: ml5's names, arguments and results
ml5_knn_format.py  ml5's KNNClassifier JSON file: what save() writes and load() reads
files.py           where save() and load() go: this computer, or the page (pyposenet/_browser/classify_files.py)
neural_network.py  neuralNetwork(options): ml5's names, arguments and results
nn_options.py      its options, default layers and train() settings
nn_data.py         its data: names, metadata (model_meta.json), normalization, one-hot, saveData's file
nn_model_format.py its model files: model.json (TF.js layers) + model.weights.bin
nn_backend.py      the seam to the network (NetworkBackend); numpy's is pyposenet/_host/nn_numpy.py (CPython)
collect.py         PoseCollector: a label key, a countdown, poses collected for either classifier, drawn on screen
"""

from .collect import PoseCollector
from .features import FEATURE_COUNT, FEATURE_NAMES, pose_features, poseFeatures
from .knn import ClassifyResult, KNNClassifier
from .ml5_knn_format import NotKNNFormatError
from .neural_network import NeuralNetwork, neural_network, neuralNetwork
from .nn_data import NeuralNetworkDataError
from .nn_model_format import NotModelFormatError
from .nn_options import NeuralNetworkOptionError

__all__ = [
    "FEATURE_COUNT",
    "FEATURE_NAMES",
    "ClassifyResult",
    "KNNClassifier",
    "NeuralNetwork",
    "NeuralNetworkDataError",
    "NeuralNetworkOptionError",
    "NotKNNFormatError",
    "NotModelFormatError",
    "PoseCollector",
    "neuralNetwork",
    "neural_network",
    "poseFeatures",
    "pose_features",
]
