"""DingTalk (钉钉), in and out: sign, messages, the HTTP callback, Stream mode, the API client,
the sender, media, the reply."""
