"""Shift schedules: solving a scheduling problem file today; stored, published schedules,
requests and adherence to come."""
