"""Platform API clients and senders (WeCom, DingTalk): the bot's outbound side."""
