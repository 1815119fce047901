"""Core models, one module per concern; import from here."""

from tiangong.platform.core.models.base import ChangeLoggedModel, ImmutableModel, PlatformModel
from tiangong.platform.core.models.calendar import WorkCalendarDay
from tiangong.platform.core.models.changes import ObjectChange
from tiangong.platform.core.models.events import EventAttachment, WorkflowEvent
from tiangong.platform.core.models.notifications import Notification
from tiangong.platform.core.models.reference import Department, Enterprise, Region
from tiangong.platform.core.models.security import ApiToken, LoginFailure
from tiangong.platform.core.models.tasks import TaskProgress
from tiangong.platform.core.models.users import User
from tiangong.platform.core.roles import Role

__all__ = [
    "ApiToken", "ChangeLoggedModel", "Department", "Enterprise", "EventAttachment",
    "ImmutableModel", "LoginFailure", "Notification", "ObjectChange", "PlatformModel", "Region",
    "Role", "TaskProgress", "User", "WorkCalendarDay", "WorkflowEvent",
]
