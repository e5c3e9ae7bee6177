"""The Telegram front end: handlers, rendering as Telegram HTML, the application and its network
plumbing. It answers through answer/ and adds articles through ingest/; it imports nothing of cli/."""
