"""claw's HTTP surface: the OpenPhone webhook, health, metrics and the console."""
