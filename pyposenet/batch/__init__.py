"""`pyposenet batch`: poses from many videos and images on a Dask cluster, into Parquet files.

Needs the `host` and `batch` extras (numpy, Pillow, PyAV; dask[distributed], pyarrow). docs/batch.md tells
how to run it on a real cluster. `extract` is the Python API:

    from pyposenet.batch import extract
    manifest = extract(["videos/"], "out/", every=2)   # then pandas.read_parquet("out/poses")

  inputs.py        folders, globs and list files -> the image and video files to do
  video_frames.py  a video's frames numbered from its packets; frames by number through a seek
  chunks.py        videos cut into frame ranges, images in groups; stable chunk names
  worker.py        what runs on a worker: the model loaded once per process, a chunk -> an Arrow table
  models.py        which model: PoseNet, or BlazePose full (`model="blazepose"`, the blazepose extra)
  schema.py        the dataset's columns (one row per pose)
  schema_blazepose.py  BlazePose's columns (33 keypoints, keypoints3D), a schema named in the manifest
  writer.py        chunk files written atomically into OUT/poses/, found again on a rerun
  manifest.py      OUT/manifest.json: model, options, versions, counts, failures
  cluster.py       the LocalCluster a run starts, Dask's bookkeeping turned down (also for `dask worker`)
  run.py           the run: the cluster, the tasks, progress; `extract`, `run_batch`
"""

from __future__ import annotations

from typing import Any

__all__ = ["extract"]


def extract(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """See pyposenet.batch.run.extract (imported on first use: Dask is slow to import)."""
    from .run import extract as run_extract

    return run_extract(*args, **kwargs)
