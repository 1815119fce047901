"""The evaluation as named SQL steps: population → indicators → benchmarks → scores → classes."""
