"""Notifications: messages planned in the tick's transaction, delivered by a worker thread.

``planner`` turns alarm changes into Notification rows (deduplicated: restart-safe) and
Delivery rows per routed channel; ``worker`` sends them in the background with retries;
``templates`` renders zh/en text; ``webhook`` and ``smtp`` are the channels.
"""
