"""One router per resource: layouts (with their slottings), routes, waves, jobs, ops."""
