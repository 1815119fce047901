"""The one scope mechanism: a per-model declaration and a restricted queryset.

Every view, API endpoint, export, search and background task reads platform objects through
`Model.objects.restrict(user)` (or `get_scoped_or_404`), never through a check written per page.
A model says how it relates to the region tree, a department and an enterprise:

    class Objection(PlatformModel):
        enterprise = models.ForeignKey(Enterprise, ...)
        scope = Scope(region="enterprise__region", enterprise="enterprise",
                      department="routed_to")

and the restriction follows platform.md's role table:
- administrator: everything;
- province / city / county analysts, town officials and supervisors: objects whose region lies in
  the user's region subtree (materialised `Region.path` prefix, so a county sees its towns);
- department users: objects whose `department` path(s) is their department (plus, with
  `department_sees_region`, everything in the department's county);
- enterprise users: objects whose `enterprise` path is their enterprise;
- `owner`: a path to a User FK whose user always sees the object (e.g. who filed it);
- `custom`: role → function(queryset, user) for bindings of one app (e.g. experts drawn for a
  panel);
- `public=True`: every signed-in user sees every row (reference data such as regions);
- `distinct=True`: when a path crosses a many-to-many or reverse relation;
- any role without a rule sees nothing.
An object outside the scope answers 404, never 403 (no existence leak).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q
from django.http import Http404

from tiangong.platform.core.roles import REGION_ROLES, Role


@dataclass(frozen=True)
class Scope:
    """How a model relates to regions, departments and enterprises (field paths; "" = itself)."""

    region: str | None = None
    department: str | tuple[str, ...] | None = None
    enterprise: str | None = None
    owner: str | None = None
    department_sees_region: bool = False
    public: bool = False
    # Set when a path crosses a many-to-many or reverse relation (rows could repeat);
    # DISTINCT costs time on large tables, so it is not applied by default.
    distinct: bool = False
    custom: Mapping[str, Callable[[Any, Any], Any]] = field(default_factory=dict)

    def departments(self) -> tuple[str, ...]:
        if self.department is None:
            return ()
        return (self.department,) if isinstance(self.department, str) else self.department


def _lookup(path: str, suffix: str) -> str:
    return f"{path}__{suffix}" if path else suffix


def region_q(path: str, region: Any) -> Q:
    """Objects whose region (at `path`) is `region` or lies below it."""
    if region is None or not region.path:
        return Q(pk__in=[])
    return Q(**{_lookup(path, "path__startswith"): region.path})


def scope_q(scope: Scope, user: Any) -> Q | None:
    """The filter for `user` under `scope`; None means everything (no filter)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    role = getattr(user, "role", None)
    if user.is_superuser or role == Role.ADMINISTRATOR or scope.public:
        return None
    q = Q(pk__in=[])
    if role in REGION_ROLES and scope.region is not None:
        q |= region_q(scope.region, user.region)
    elif role == Role.DEPARTMENT_USER and user.department_id is not None:
        for path in scope.departments():
            q |= Q(**{path or "pk": user.department_id})
        if scope.department_sees_region and scope.region is not None:
            q |= region_q(scope.region, user.department.county)
    elif role == Role.ENTERPRISE_USER and scope.enterprise is not None \
            and user.enterprise_id is not None:
        q |= Q(**{scope.enterprise or "pk": user.enterprise_id})
    if scope.owner is not None:
        q |= Q(**{scope.owner or "pk": user.pk})
    return q


class ScopedQuerySet(models.QuerySet):
    """QuerySet with `restrict(user)`: the rows of this model the user may see."""

    def restrict(self, user: Any) -> ScopedQuerySet:
        scope: Scope = getattr(self.model, "scope", Scope())
        custom = scope.custom.get(getattr(user, "role", ""))
        if custom is not None and getattr(user, "is_authenticated", False):
            return custom(self, user)
        q = scope_q(scope, user)
        if q is None:
            return self
        return self.filter(q).distinct() if scope.distinct else self.filter(q)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Manager exposing `restrict(user)`."""


def restrict(model_or_qs: Any, user: Any) -> Any:
    """`Model.objects.restrict(user)` for a model, a manager or a queryset."""
    if isinstance(model_or_qs, models.QuerySet):
        qs: Any = model_or_qs
    elif isinstance(model_or_qs, type):
        qs = getattr(model_or_qs, "_default_manager").all()  # noqa: B009
    else:
        qs = model_or_qs.all()
    if not hasattr(qs, "restrict"):
        raise TypeError(f"{qs.model.__name__} has no scoped manager (use ScopedManager)")
    return qs.restrict(user)


def get_scoped_or_404(model_or_qs: Any, user: Any, **lookup: Any) -> Any:
    """The object matching `lookup` inside the user's scope, or 404 (out of scope = not found)."""
    try:
        return restrict(model_or_qs, user).get(**lookup)
    except (ObjectDoesNotExistTypes(model_or_qs)) as err:
        raise Http404("未找到该对象，或您无权查看。") from err


def ObjectDoesNotExistTypes(model_or_qs: Any) -> tuple[type[BaseException], ...]:
    model: Any = model_or_qs if isinstance(model_or_qs, type) else model_or_qs.model
    return (model.DoesNotExist, ValueError)


def visible(user: Any, obj: Any) -> bool:
    """Whether `obj` lies in `user`'s scope (one query)."""
    return bool(restrict(type(obj), user).filter(pk=obj.pk).exists())
