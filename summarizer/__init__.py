"""Messages in, Summary out; knows nothing of Discord, schedules or delivery."""
