"""Stage 7, the batch job (``liftformer batch``): many inputs, each through exactly the offline job, with a manifest.

Every input (a video or a keypoint file; folders are searched recursively, a ``.txt`` lists paths) goes through
:func:`~liftformer.inference.offline.lift_people` with the same options, its outputs under the output folder at
the input's path relative to the inputs' common folder, named as ``lift`` names them (``STEM_3d.npz`` and its
siblings). ``manifest.csv`` holds a row per input, rewritten atomically as each finishes: what it was (path,
sha256), how it went (``ok``, ``failed`` with the one-line reason, ``skipped`` when an earlier run already made
it), how many people and frames, how long, which files, and the package's and the model's versions. Run again, an
input whose hash and outputs are complete is skipped (``redo``: lifted again). A failed input leaves no file of its
own behind and never stops the batch; several run at once in worker processes.
"""

from liftformer.inference.batch.cluster import run_batch_ray
from liftformer.inference.batch.inputs import KINDS, Task, check_out, collect_inputs, plan_tasks
from liftformer.inference.batch.job import default_workers, lift_one, run_batch
from liftformer.inference.batch.manifest import MANIFEST, Row, read_manifest, report, write_manifest

__all__ = ["KINDS", "MANIFEST", "Row", "Task", "check_out", "collect_inputs", "default_workers", "lift_one", "plan_tasks",
           "read_manifest", "report", "run_batch", "run_batch_ray", "write_manifest"]
