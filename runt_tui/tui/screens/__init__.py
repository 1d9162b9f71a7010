"""Modal screens: help, confirmations, input() prompts, completion and inspection."""
