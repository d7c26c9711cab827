"""Platform API clients and senders (WeCom now, DingTalk later): the bot's outbound side."""
