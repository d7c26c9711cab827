"""The office's use cases without Flask: units and liaisons, accounts, facts and entries,
the holiday calendar, quarter totals, evidence packs, the month grid, and the cells every
export writes. The console (bot/admin/) and the CLI (bot/cli*.py) are two ways in."""
