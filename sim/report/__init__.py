"""What a person reads: `console` (terminal summaries of an experiment), `text` (the trace summary and
the console itself), and `report.html` of a results folder: `html` renders it from `templates/`, with
its sections built by `answer` (the question, the answer, the target checks), `per_level` (targets and
metrics per level), `demands` (what falls short, worst first), `provenance` (the scenario, how it was
computed) and `cells` (shared cell formatting)."""
