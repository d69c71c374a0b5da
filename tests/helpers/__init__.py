"""Shared helpers for the collection's tests."""
