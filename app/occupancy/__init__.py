"""Occupancy: who is where, what is free, how full a base is."""
