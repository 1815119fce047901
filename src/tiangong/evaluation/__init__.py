"""The evaluation pipeline: canonical sources → measures → indicators → scores → classes → outputs.

`evaluate.evaluate` runs a scheme (`scheme`) over canonical tables (`sources`, `canonical`) on an
engine adapter (`engines`) through the SQL steps of `pipeline`; `outputs` and `publish` write the
公示 files; `explain` and `whatif` answer for one enterprise; `stability` measures how firmly each
class holds under benchmark and weight uncertainty.
"""
