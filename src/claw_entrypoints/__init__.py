"""How claw is run: the CLI, the aiohttp app and the composition root."""
