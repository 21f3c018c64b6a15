"""What a person reads: `console` (terminal summaries of an experiment), `text` (the trace summary and
the console itself) and `html` (a results folder's self-contained `report.html`, from `templates/`)."""
