"""When things run and the record of what ran: schedules, runs, deliveries, audit."""
