"""Everything that talks to Discord: the composition root, commands and the CLI."""
