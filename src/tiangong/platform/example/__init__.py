"""Example app: the smallest complete app on the core (scoped model, workflow table, immutable
rows, pages, API router). Installed by the test settings only; copy its shape for a new app."""
