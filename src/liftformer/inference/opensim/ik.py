"""OpenSim's inverse kinematics of a person's markers on their model: the coordinates per frame and the marker errors.

The solver (``InverseKinematicsSolver``, every marker weighted 1) starts from the first frame's pelvis placed where
its markers are (the rest standing), then tracks frame by frame. Written: the ``.mot`` of the coordinates (degrees;
the pelvis's translations in metres), as OpenSim writes one, and a CSV of each frame's marker errors (metres).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from liftformer.fileio import atomic_write, atomic_write_text
from liftformer.inference.opensim.markers import Trc, segment_frame
from liftformer.inference.opensim.model import opensim_module

ACCURACY = 1e-5


@dataclass(frozen=True)
class Kinematics:
    """IK's result: times (T,), coordinates (T, C) (degrees, translations in metres) and their names, marker errors
    (T, M) in metres and the markers' names."""

    times: np.ndarray
    coordinates: np.ndarray
    names: tuple[str, ...]
    errors: np.ndarray
    markers: tuple[str, ...]
    translations: tuple[str, ...]

    def rms(self) -> np.ndarray:
        """(T,) each frame's root-mean-square marker error, metres."""
        return np.sqrt(np.mean(self.errors**2, axis=1))


def _start_pose(model: Any, state: Any, trc: Trc) -> None:
    """The pelvis placed on the first frame's pelvis markers (the other coordinates at 0: standing)."""
    frame = segment_frame(trc.marker("RHip")[:1], trc.marker("LHip")[:1], trc.marker("Hip")[:1], trc.marker("Spine")[:1])[0]
    tilt, pelvis_list, rotation = Rotation.from_matrix(frame).as_euler("ZXY")
    hip = trc.marker("Hip")[0]
    for name, value in (("pelvis_tilt", tilt), ("pelvis_list", pelvis_list), ("pelvis_rotation", rotation),
                        ("pelvis_tx", hip[0]), ("pelvis_ty", hip[1]), ("pelvis_tz", hip[2])):
        model.getCoordinateSet().get(name).setValue(state, float(value), False)
    model.assemble(state)


def _marker_table(osim: Any, trc: Trc) -> Any:
    """``trc``'s markers (metres) as OpenSim's ``TimeSeriesTableVec3``."""
    table = osim.TimeSeriesTableVec3()
    table.setColumnLabels(list(trc.names))
    for time, row in zip(trc.times, trc.markers):
        table.appendRow(float(time), osim.RowVectorVec3([osim.Vec3(*map(float, point)) for point in row]))
    table.addTableMetaDataString("Units", "m")
    return table


def inverse_kinematics(model: Any, trc: Trc) -> Kinematics:
    """Track ``trc``'s markers with ``model`` (:func:`~liftformer.inference.opensim.model.build_model`)."""
    osim = opensim_module()
    state = model.initSystem()
    _start_pose(model, state, trc)
    weights = osim.SetMarkerWeights()
    for name in trc.names:
        weights.cloneAndAppend(osim.MarkerWeight(name, 1.0))
    reference = osim.MarkersReference(_marker_table(osim, trc), weights, osim.Units("m"))  # the markers as read (and scaled)
    solver = osim.InverseKinematicsSolver(model, reference, osim.SimTKArrayCoordinateReference(), float("inf"))
    solver.setAccuracy(ACCURACY)
    coords = model.getCoordinateSet()
    names = tuple(coords.get(i).getName() for i in range(coords.getSize()))
    translations = tuple(n for n in names if coords.get(n).getMotionType() == 2)  # 2: translational
    values: list[list[float]] = []
    errors: list[list[float]] = []
    markers: tuple[str, ...] = ()
    for k, t in enumerate(trc.times):
        state.setTime(float(t))
        solver.assemble(state) if k == 0 else solver.track(state)
        values.append([coords.get(n).getValue(state) for n in names])
        count = solver.getNumMarkersInUse()
        markers = tuple(solver.getMarkerNameForIndex(j) for j in range(count))
        errors.append([solver.computeCurrentMarkerError(name) for name in markers])
    table = np.array(values)
    rotational = [n not in translations for n in names]
    table[:, rotational] = np.degrees(table[:, rotational])
    return Kinematics(np.asarray(trc.times, dtype=np.float64), table, names, np.array(errors), markers, translations)


def mot_text(kinematics: Kinematics, name: str) -> str:
    """The coordinates as OpenSim's ``.mot`` (degrees)."""
    k = kinematics
    header = [name, "version=1", f"nRows={len(k.times)}", f"nColumns={len(k.names) + 1}", "inDegrees=yes", "endheader",
              "\t".join(("time", *k.names))]
    rows = ["\t".join([f"{t:.6f}", *(f"{v:.6f}" for v in row)]) for t, row in zip(k.times, k.coordinates)]
    return "\n".join(header + rows) + "\n"


def save_mot(path: str | os.PathLike, kinematics: Kinematics) -> None:
    atomic_write_text(path, mot_text(kinematics, os.path.basename(path)))


def save_marker_errors(path: str | os.PathLike, kinematics: Kinematics) -> None:
    """A row per frame: time, RMS and largest marker error, then each marker's (metres)."""
    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["time", "rms_m", "max_m", *kinematics.markers])
            for t, row in zip(kinematics.times, kinematics.errors):
                out.writerow([f"{t:.6f}", f"{np.sqrt(np.mean(row**2)):.5f}", f"{row.max():.5f}", *(f"{v:.5f}" for v in row)])

    atomic_write(path, write)
