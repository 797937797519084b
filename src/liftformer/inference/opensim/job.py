"""``liftformer opensim``'s job: a ``.trc`` → the person's model, inverse kinematics, the ``.mot`` and marker errors."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from liftformer.errors import DataError
from liftformer.fileio import atomic_write
from liftformer.inference.opensim.ik import Kinematics, inverse_kinematics, save_marker_errors, save_mot
from liftformer.inference.opensim.markers import measure, read_trc, scaled_to, standing_height
from liftformer.inference.opensim.model import build_model


@dataclass(frozen=True)
class OpenSimOutputs:
    """The files ``liftformer opensim`` writes: the scaled model, the coordinates, the marker errors."""

    model: Path
    motion: Path
    errors: Path

    @classmethod
    def beside(cls, prefix: str | Path) -> OpenSimOutputs:
        prefix = Path(prefix)
        return cls(prefix.with_name(f"{prefix.name}_model.osim"), prefix.with_name(f"{prefix.name}_ik.mot"),
                   prefix.with_name(f"{prefix.name}_marker_errors.csv"))


def opensim_job(trc_path: str, outputs: OpenSimOutputs, mass: float = 70.0, log: TextIO | None = None,
                height: float | None = None) -> Kinematics:
    """Read ``trc_path`` (its markers scaled to the person's ``height`` in metres when given, said on stderr), build the
    person's model, track the markers, write ``outputs`` (only once all succeeded); a one-line DataError for a file or
    model OpenSim refuses. Written files are named on ``log`` (default stdout)."""
    trc = read_trc(trc_path)
    if height is not None:
        trc, measured = scaled_to(trc, height)
        print(f"{trc_path}: markers scaled by {height / measured:.3f}: the person measured {measured:.2f} m, "
              f"--person-height {height:.2f} m", file=sys.stderr)
    body = measure(trc)
    if height is None:
        print(f"{trc_path}: the person measures {standing_height(trc):.2f} m as lifted (one camera cannot tell a tall person far away "
              "from a short one near; pass --person-height METRES if known)", file=sys.stderr)
    try:
        model = build_model(body, mass, Path(trc_path).stem)
        kinematics = inverse_kinematics(model, trc)
    except (RuntimeError, ValueError) as e:  # OpenSim's exceptions come through SWIG as RuntimeError
        reason = " ".join(str(e).split())[:300]
        raise DataError(f"{trc_path}: OpenSim refused it ({reason})") from None
    log = log or sys.stdout
    atomic_write(outputs.model, lambda tmp: model.printToXML(tmp))
    print(f"wrote {outputs.model}", file=log, flush=True)
    save_mot(outputs.motion, kinematics)
    print(f"wrote {outputs.motion}", file=log, flush=True)
    save_marker_errors(outputs.errors, kinematics)
    print(f"wrote {outputs.errors}", file=log, flush=True)
    return kinematics
