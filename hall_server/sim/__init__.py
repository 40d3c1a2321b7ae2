"""Simulation of a hall through the real engine, with simulated time."""
