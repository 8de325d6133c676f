"""Task suite data (installed as harness.tasks)."""
