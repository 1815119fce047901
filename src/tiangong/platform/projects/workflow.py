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


def gate_workflow(config: ProjectsConfig | None = None) -> Workflow:
    """The gate workflow of a stage chain (the installation's when None; a county's chain,
    `chains.config_for`, when it has its own)."""
    chain = config or project_config()
    return _workflow(tuple((s.id, s.label, s.automatic) for s in chain.stages))


@cache
def _workflow(stages: tuple[tuple[str, str, bool], ...]) -> Workflow:
    """(id, label, automatic) of each stage in order → the workflow (one per distinct chain)."""
    states = {REGISTERED: "已登记", **{sid: f"已{label}" for sid, label, _ in stages}}
    transitions = []
    previous = REGISTERED
    for sid, label, automatic in stages:
        if automatic:
            continue
        roles = COUNTY_ONLY if sid == "capacity" else OFFICERS
        transitions.append(Transition(previous, f"pass_{sid}", sid, roles=roles,
                                      label=f"通过{label}关口"))
        transitions.append(Transition(sid, f"back_{sid}", previous, roles=COUNTY_ONLY,
                                      label=f"退回{label}", needs_note=True))
        previous = sid
    for sid, label, automatic in stages:
        if automatic:
            transitions.append(Transition(previous, f"detect_{sid}", sid,
                                          roles=COUNTY_ONLY, label=f"确认{label}"))
    return Workflow("project_gate", states=states, transitions=transitions)
