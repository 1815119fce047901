"""The `tiangong` command line: a shell over the library (entry point `tiangong.cli.main:run`)."""
