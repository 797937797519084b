"""Stage 6, OpenSim: a person's lifted markers (``.trc``) → a model scaled to them, inverse kinematics, joint angles.

``markers`` reads a ``.trc`` and measures the body from it (numpy only); ``model`` builds the project's own
full-body OpenSim model with a marker at each Human3.6M-17 joint centre, sized to those measurements; ``ik`` runs
OpenSim's inverse kinematics and writes the ``.mot`` and the marker errors. OpenSim is the optional extra
``[opensim]`` (``opensim==4.6`` from PyPI), imported only here and only when used.
"""
