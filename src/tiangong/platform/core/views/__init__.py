"""Core views: sign-in, password change, home, enterprises, change log, notifications, tasks."""
