"""Answer checking (safe maths parsing) and spaced repetition."""
