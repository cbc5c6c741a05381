"""The `summarybot` command: `main.py` dispatches one subcommand per module here."""
