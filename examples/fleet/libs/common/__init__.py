"""Configuration, logging and the health route that every service uses."""
