"""The submission bot: channels, conversation, worker, web console."""
