"""Delivery tracking: what became of the money once a round's result is published."""
