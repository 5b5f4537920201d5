"""Delivery channels: each module is one ``notifiers.deliver`` plugin."""
