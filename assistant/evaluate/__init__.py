"""Measuring the assistant: quality metrics, the dev-set runner, the citation checker and BEIR."""
