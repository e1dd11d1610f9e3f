"""ML maths study companion."""
