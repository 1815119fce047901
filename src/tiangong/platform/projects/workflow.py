"""The project gate workflow, built from the project configuration's stage chain.

One transition per gate (`pass_<stage>`: previous stage → stage) and one per step back
(`back_<stage>`: stage → previous, with a reason), in the core's one workflow mechanism. Who may
pass: project officers of the county and the town; 达产 (the 达产复核) only the county; going
back only the county. Automatic stages (新升规) have no gate: the hand-over detects them.
The evidence each gate needs is checked by `services.pass_gate` with the library's rule.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings

from tiangong.platform.core.roles import Role
from tiangong.platform.core.workflow import Transition, Workflow
from tiangong.projects.config import ProjectsConfig, load_config

REGISTERED = "registered"
OFFICERS = frozenset({Role.COUNTY_ANALYST, Role.TOWN_OFFICIAL})
COUNTY_ONLY = frozenset({Role.COUNTY_ANALYST})


@cache
def project_config() -> ProjectsConfig:
    """The installation's configuration (settings.TIANGONG_PROJECTS_CONFIG, else built-in)."""
    return load_config(getattr(settings, "TIANGONG_PROJECTS_CONFIG", None))


@cache
def gate_workflow() -> Workflow:
    config = project_config()
    gated = [s for s in config.stages if not s.automatic]
    states = {REGISTERED: "已登记", **{s.id: f"已{s.label}" for s in config.stages}}
    transitions = []
    previous = REGISTERED
    for stage in gated:
        roles = COUNTY_ONLY if stage.id == "capacity" else OFFICERS
        transitions.append(Transition(previous, f"pass_{stage.id}", stage.id, roles=roles,
                                      label=f"通过{stage.label}关口"))
        transitions.append(Transition(stage.id, f"back_{stage.id}", previous, roles=COUNTY_ONLY,
                                      label=f"退回{stage.label}", needs_note=True))
        previous = stage.id
    for stage in config.stages:
        if stage.automatic:
            transitions.append(Transition(previous, f"detect_{stage.id}", stage.id,
                                          roles=COUNTY_ONLY, label=f"确认{stage.label}"))
    return Workflow("project_gate", states=states, transitions=transitions)
