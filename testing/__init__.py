"""Stand-ins for the services storybot talks to, shared by tests/ and bench/: a fake Telegram Bot API
server (fake_telegram) that the real python-telegram-bot client talks to over HTTP."""
