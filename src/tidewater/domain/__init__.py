"""Pure rules of Auto Scaling: groups, members, capacity and activities, with no I/O."""
