"""Activity: what every working copy has changed, replicated to every process, and the findings it yields."""
