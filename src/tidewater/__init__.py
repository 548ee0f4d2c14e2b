"""Tidewater: a self-hosted Auto Scaling service for AWS and Alibaba Cloud clients."""
