"""The command line `storybot`: one subcommand per job (index, ask, who, chat, add, follow, eval, run...),
the terminal chat, and getting a command ready (folders checked, model loaded once, index updated)."""
