"""The operator's view of a running bot: health, metrics, logs, loop lag, secret redaction."""
