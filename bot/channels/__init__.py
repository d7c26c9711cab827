"""Channel adapters: each translates its platform to Incoming and replies back."""
