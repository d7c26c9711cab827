"""WeCom (企业微信), in and out: crypto, messages, the callback, the API client, the sender,
media."""
