"""PoseNet output decoders, ported in pure Python from ``@tensorflow-models/posenet@2.2.2``.

No numpy: this package runs inside Pyodide.
"""

from .multi import decode_multiple_poses
from .outputs import ModelOutputs
from .single import decode_single_pose

__all__ = ["ModelOutputs", "decode_single_pose", "decode_multiple_poses"]
