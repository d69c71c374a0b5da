"""ztplab: a strict in-memory emulator of the Breakwater ZTP and FortiZTP clouds."""
