"""The project's own full-body OpenSim model, sized to a measured person (:class:`~.markers.Body`).

Eleven bodies (pelvis, torso, head, thighs, shanks, upper arms, forearms; no feet or hands: Human3.6M-17 has no
markers there), OpenSim's axes (X forward, Y up, Z right), a marker at each Human3.6M-17 joint centre. Joints and
their coordinates, in degrees, positive as named:

- ``ground_pelvis``: ``pelvis_tilt`` (about Z), ``pelvis_list`` (X), ``pelvis_rotation`` (Y), ``pelvis_tx/ty/tz``;
- ``hip_r/l``: ``hip_flexion``, ``hip_adduction``, ``hip_rotation`` (internal), as Rajagopal's and gait2392's;
- ``knee_r/l``: ``knee_flexion`` (a pin; positive bent, unlike gait2392's negative ``knee_angle``);
- ``lumbar``: ``lumbar_extension``, ``lumbar_bending`` (to the right), ``lumbar_rotation``; ``neck``: ``neck_*``;
- ``shoulder_r/l``: ``arm_flex``, ``arm_add``, ``arm_rot`` (internal); ``elbow_r/l``: ``elbow_flex``.

Segment masses are de Leva's fractions of ``mass``; inertias a cylinder's about its length (they do not enter
inverse kinematics). Every joint centre and marker comes from the person's own markers: the model is scaled to them
by construction, so OpenSim's scale tool (marker pairs against a generic model) is not needed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from liftformer.inference.opensim.markers import Body

MASS_FRACTIONS = {"pelvis": 0.142, "torso": 0.355, "head": 0.069, "thigh": 0.142, "shank": 0.043, "upper_arm": 0.027,
                  "forearm": 0.022}  # de Leva 1996, the feet's and hands' added to shank and forearm
SIDE_SIGN = {"r": 1.0, "l": -1.0}


def opensim_module() -> Any:
    """OpenSim's Python package, or a one-line DataError naming the extra."""
    from liftformer.errors import DataError

    try:
        import opensim
    except ImportError:
        raise DataError("liftformer opensim needs OpenSim: pip install -e '.[opensim]' (opensim==4.6)") from None
    return opensim


def _vec(osim: Any, v: Any) -> Any:
    return osim.Vec3(*(float(x) for x in v))


def _custom_joint(osim: Any, name: str, parent: Any, at: Any, child: Any, rotations: list[tuple[str, tuple[float, float, float]]],
                  translations: list[str] | None = None) -> Any:
    """A CustomJoint with named rotations (body-fixed, in order) and, given, named translations along X, Y, Z."""
    transform = osim.SpatialTransform()
    axes = [transform.upd_rotation1(), transform.upd_rotation2(), transform.upd_rotation3()]
    for axis, (coordinate, direction) in zip(axes, rotations):
        axis.setCoordinateNames(osim.ArrayStr(coordinate, 1))
        axis.setAxis(osim.Vec3(*direction))
        axis.set_function(osim.LinearFunction())
    moves = [transform.upd_translation1(), transform.upd_translation2(), transform.upd_translation3()]
    for k, move in enumerate(moves):
        move.setAxis(osim.Vec3(*np.eye(3)[k]))
        if translations:
            move.setCoordinateNames(osim.ArrayStr(translations[k], 1))
            move.set_function(osim.LinearFunction())
        else:
            move.set_function(osim.Constant(0.0))
    return osim.CustomJoint(name, parent, _vec(osim, at), osim.Vec3(0), child, osim.Vec3(0), osim.Vec3(0), transform)


def build_model(body: Body, mass: float = 70.0, name: str = "liftformer_h36m17") -> Any:
    """The OpenSim ``Model`` of ``body`` (module docstring), finalized."""
    osim = opensim_module()
    model = osim.Model()
    model.setName(name)
    model.set_gravity(osim.Vec3(0, -9.80665, 0))

    def segment(label: str, fraction: str, length: float) -> Any:
        kg = MASS_FRACTIONS[fraction] * mass
        radius = max(0.04, 0.12 * length)
        inertia = osim.Inertia(kg * (3 * radius**2 + length**2) / 12, kg * radius**2 / 2, kg * (3 * radius**2 + length**2) / 12)
        b = osim.Body(label, kg, osim.Vec3(0, -length / 2, 0), inertia)
        model.addBody(b)
        return b

    def marker(label: str, on: Any, at: Any) -> None:
        model.addMarker(osim.Marker(label, on, _vec(osim, at)))

    torso_height = float(body.torso["Neck"][1])
    pelvis = segment("pelvis", "pelvis", 0.2)
    model.addJoint(_custom_joint(osim, "ground_pelvis", model.getGround(), (0, 0, 0), pelvis,
                                 [("pelvis_tilt", (0, 0, 1)), ("pelvis_list", (1, 0, 0)), ("pelvis_rotation", (0, 1, 0))],
                                 ["pelvis_tx", "pelvis_ty", "pelvis_tz"]))
    for label in ("Hip", "RHip", "LHip"):
        marker(label, pelvis, body.pelvis[label])
    torso = segment("torso", "torso", torso_height)
    model.addJoint(_custom_joint(osim, "lumbar", pelvis, (0, 0, 0), torso,
                                 [("lumbar_extension", (0, 0, 1)), ("lumbar_bending", (1, 0, 0)), ("lumbar_rotation", (0, 1, 0))]))
    for label in ("Spine", "Neck", "RShoulder", "LShoulder"):
        marker(label, torso, body.torso[label])
    head = segment("head", "head", 0.2)
    model.addJoint(_custom_joint(osim, "neck", torso, body.torso["Neck"], head,
                                 [("neck_extension", (0, 0, 1)), ("neck_bending", (1, 0, 0)), ("neck_rotation", (0, 1, 0))]))
    for label in ("Nose", "Head"):
        marker(label, head, body.head[label])
    for s, sign in SIDE_SIGN.items():
        side = s.upper()
        thigh, shank = segment(f"femur_{s}", "thigh", body.lengths["thigh"]), segment(f"tibia_{s}", "shank", body.lengths["shank"])
        model.addJoint(_custom_joint(osim, f"hip_{s}", pelvis, body.pelvis[f"{side}Hip"], thigh,
                                     [(f"hip_flexion_{s}", (0, 0, 1)), (f"hip_adduction_{s}", (sign, 0, 0)),
                                      (f"hip_rotation_{s}", (0, sign, 0))]))
        knee = osim.PinJoint(f"knee_{s}", thigh, osim.Vec3(0, -body.lengths["thigh"], 0), osim.Vec3(0, np.pi, 0), shank,
                             osim.Vec3(0), osim.Vec3(0, np.pi, 0))  # both joint frames turned about Y: the pin's Z reversed, bent positive
        knee.updCoordinate().setName(f"knee_flexion_{s}")
        model.addJoint(knee)
        marker(f"{side}Knee", shank, (0, 0, 0))
        marker(f"{side}Ankle", shank, (0, -body.lengths["shank"], 0))
        upper = segment(f"humerus_{s}", "upper_arm", body.lengths["upper_arm"])
        fore = segment(f"ulna_{s}", "forearm", body.lengths["forearm"])
        model.addJoint(_custom_joint(osim, f"shoulder_{s}", torso, body.torso[f"{side}Shoulder"], upper,
                                     [(f"arm_flex_{s}", (0, 0, 1)), (f"arm_add_{s}", (sign, 0, 0)), (f"arm_rot_{s}", (0, sign, 0))]))
        elbow = osim.PinJoint(f"elbow_{s}", upper, osim.Vec3(0, -body.lengths["upper_arm"], 0), osim.Vec3(0), fore, osim.Vec3(0),
                              osim.Vec3(0))
        elbow.updCoordinate().setName(f"elbow_flex_{s}")
        model.addJoint(elbow)
        marker(f"{side}Elbow", fore, (0, 0, 0))
        marker(f"{side}Wrist", fore, (0, -body.lengths["forearm"], 0))
    model.finalizeConnections()
    return model
