"""Core app: users and roles, regions, departments, enterprises, scope, workflow, calendar,
change log, notifications and background-task progress: the mechanisms every app reuses."""
